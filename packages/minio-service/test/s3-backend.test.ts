import { GetObjectCommand, HeadBucketCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { type CallOptions, Status } from "nice-grpc";
import { beforeAll, describe, expect, it } from "vitest";
import {
  createBucket,
  expectStatus,
  getObject,
  type Harness,
  MiB,
  md5,
  putObject,
  randomBody,
} from "./harness.js";
import { storageSuite } from "./storage-suite.js";

describe("storage service on the S3 backend (s3rver)", () => {
  let h: Harness;
  storageSuite("s3", (harness) => {
    h = harness;
  });

  describe("at the store, through s3rver's own S3 API", () => {
    let alice: CallOptions;
    const read = async (key: string) => {
      const out = await h.store!.client.send(
        new GetObjectCommand({ Bucket: h.store!.bucket, Key: key }),
      );
      return Buffer.from(await out.Body!.transformToByteArray());
    };

    beforeAll(async () => {
      alice = await h.as("alice");
      await createBucket(h, alice, "landing");
    });

    it("created the one physical bucket at start", async () => {
      const out = await h.store!.client.send(new HeadBucketCommand({ Bucket: "isa-test" }));
      expect(out.$metadata.httpStatusCode).toBe(200);
    });

    it("puts the bytes under <tenant>/<bucket>/<key>, with owner and metadata beside them", async () => {
      const body = randomBody(MiB + 17);
      await putObject(h, alice, "landing", "deep/Path/file.bin", body, {
        contentType: "application/x-landed",
        metadata: { Source: "Ünïcode ✓" },
      });
      expect((await read("u/alice/landing/deep/Path/file.bin")).equals(body)).toBe(true);
      const head = await h.store!.client.send(
        new HeadObjectCommand({ Bucket: "isa-test", Key: "u/alice/landing/deep/Path/file.bin" }),
      );
      expect(head.ContentType).toBe("application/x-landed");
      expect(head.ETag?.replaceAll('"', "")).toBe(md5(body));
      const meta = JSON.parse(Buffer.from(head.Metadata?.isa ?? "", "base64url").toString());
      expect(meta).toEqual({ o: "alice", m: { Source: "Ünïcode ✓" } });
    });

    it("keeps bucket metadata as a small JSON object under .isa/", async () => {
      const meta = JSON.parse((await read(".isa/buckets/u/alice/landing.json")).toString());
      expect(meta).toMatchObject({
        name: "landing",
        ownerId: "alice",
        policy: { type: "private" },
      });
    });

    it("writes org and user tenants to different prefixes", async () => {
      const carol = await h.as("carol", { org: "acme" });
      await createBucket(h, carol, "landing", { organizationId: "acme" });
      await putObject(h, carol, "o:acme/landing", "k", "org data");
      await putObject(h, alice, "landing", "k", "user data");
      expect((await read("o/acme/landing/k")).toString()).toBe("org data");
      expect((await read("u/alice/landing/k")).toString()).toBe("user data");
    });

    it("refuses a key that does not fit S3's 1,024 bytes once prefixed", async () => {
      const message = await expectStatus(
        putObject(h, alice, "landing", "k".repeat(1020), "x"),
        Status.INVALID_ARGUMENT,
      );
      expect(message).toMatch(/room for \d+/);
    });

    it("hands out the store's own presigned URLs", async () => {
      await putObject(h, alice, "landing", "shared.txt", "via the store");
      const res = await h.client.getPresignedURL(
        {
          bucketName: "landing",
          objectKey: "shared.txt",
          userId: "",
          expirySeconds: 120,
          requestParams: {},
        },
        alice,
      );
      expect(res.url).toContain("X-Amz-Signature=");
      expect(res.url).toContain("/isa-test/u/alice/landing/shared.txt");
      expect(await (await fetch(res.url)).text()).toBe("via the store");
      const got = await getObject(h, alice, { bucketName: "landing", objectKey: "shared.txt" });
      expect(got.body.toString()).toBe("via the store");
    });
  });
});
