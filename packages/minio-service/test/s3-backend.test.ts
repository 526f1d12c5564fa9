import { GetObjectCommand, HeadBucketCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { type CallOptions, Status } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { idSegment } from "../src/tenant.js";
import {
  createBucket,
  expectStatus,
  getObject,
  type Harness,
  MiB,
  md5,
  putObject,
  randomBody,
  startHarness,
} from "./harness.js";

// What the S3 backend leaves in the store; the storage suite (test/storage/) runs on it too.
describe("storage service on the S3 backend (s3rver)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness("s3");
  });
  afterAll(async () => {
    await h?.close();
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

    it("keeps a tenant's escaped prefix while its segment fits 255 bytes, and hashes a longer id", async () => {
      const fits = "u".repeat(255);
      const long = `auth0|${"s".repeat(294)}`;
      const fitsToken = await h.as(fits);
      const longToken = await h.as(long);
      await createBucket(h, fitsToken, "named");
      await createBucket(h, longToken, "named");
      await putObject(h, fitsToken, "named", "k", "kept");
      // Under the 130-byte hashed segment a key has room for 885 bytes (in segments of at
      // most 255 bytes, which s3rver, keeping keys as files, needs).
      const key = Array.from({ length: 4 }, () => "k".repeat(199)).join("/");
      await putObject(h, longToken, "named", key, "hashed");
      expect((await read(`u/${fits}/named/k`)).toString()).toBe("kept");
      const segment = idSegment(long);
      expect(segment).toHaveLength(130);
      expect((await read(`u/${segment}/named/${key}`)).toString()).toBe("hashed");
      const meta = JSON.parse((await read(`.isa/buckets/u/${segment}/named.json`)).toString());
      expect(meta).toMatchObject({ name: "named", ownerId: long });
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

    it("moves a multipart-sized object and ranges across its chunks byte for byte", async () => {
      // Over the 8 MiB part size: stored as a multipart upload, read back in full 1 MiB rooms.
      const body = randomBody(17 * MiB + 3);
      const put = await putObject(h, alice, "landing", "large.bin", body, {
        contentLength: BigInt(body.length),
      });
      const head = await h.store!.client.send(
        new HeadObjectCommand({ Bucket: "isa-test", Key: "u/alice/landing/large.bin" }),
      );
      expect(put.etag).toBe(head.ETag?.replaceAll('"', ""));
      const whole = await getObject(h, alice, { bucketName: "landing", objectKey: "large.bin" });
      expect(whole.body.equals(body)).toBe(true);
      expect(whole.chunkSizes).toEqual([...Array.from({ length: 17 }, () => MiB), 3]);
      for (const [offset, length] of [
        [MiB - 1, 2],
        [5 * MiB + 7, 3 * MiB],
        [17 * MiB, 0],
        // (Not [0, 1]: s3rver reads "bytes=0-0" as the whole object.)
        [1, 1],
      ] as const) {
        const part = await getObject(h, alice, {
          bucketName: "landing",
          objectKey: "large.bin",
          offset: BigInt(offset),
          length: BigInt(length),
        });
        const end = length === 0 ? body.length : offset + length;
        expect(part.body.equals(body.subarray(offset, end))).toBe(true);
      }
    });

    it("keeps the old object when a multipart-sized put fails after parts were sent", async () => {
      await putObject(h, alice, "landing", "half.bin", "original");
      const body = randomBody(20 * MiB);
      // Declared one byte longer: the stream fails at its end, once two parts are at the store.
      await expectStatus(
        putObject(h, alice, "landing", "half.bin", body, {
          contentLength: BigInt(body.length + 1),
        }),
        Status.INVALID_ARGUMENT,
      );
      expect((await read("u/alice/landing/half.bin")).toString()).toBe("original");
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
