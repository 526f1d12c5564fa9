import type { minio } from "@isa-cloud/proto";
import { Status } from "nice-grpc";
import { describe, expect, it } from "vitest";
import { createBucket, expectStatus, getObject } from "../harness.js";
import { type BucketCalls, callsOnBucket } from "./bucket-calls.js";
import { alice, describeEachBackend, h } from "./each-backend.js";

// Malformed requests get INVALID_ARGUMENT on every method, before anything is stored.

describeEachBackend(() => {
  describe("bad input on every method", () => {
    const bad = "Bad_Bucket";
    const calls: BucketCalls = [
      ["CreateBucket", () => createBucket(h, alice, bad)],
      ...callsOnBucket(bad, () => alice, bad),
    ];
    it.each(calls)(
      "%s rejects an invalid bucket name with INVALID_ARGUMENT",
      async (_name, call) => {
        await expectStatus(call, Status.INVALID_ARGUMENT);
      },
    );

    it("rejects the other malformed fields with INVALID_ARGUMENT", async () => {
      await createBucket(h, alice, "fields");
      await expectStatus(
        createBucket(h, alice, "locked", { objectLocking: true }),
        Status.INVALID_ARGUMENT,
      );
      const tags = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`t${i}`, "v"]));
      await expectStatus(createBucket(h, alice, "tagged", { tags }), Status.INVALID_ARGUMENT);
      await expectStatus(
        h.client.statObject(
          { bucketName: "fields", objectKey: "/k", userId: "", versionId: "" },
          alice,
        ),
        Status.INVALID_ARGUMENT,
      );
      await expectStatus(
        getObject(h, alice, { bucketName: "fields", objectKey: "k", versionId: "v42" }),
        Status.INVALID_ARGUMENT,
      );
      await expectStatus(
        h.client.deleteObjects(
          {
            bucketName: "fields",
            userId: "",
            objectKeys: Array.from({ length: 1001 }, (_, i) => `k${i}`),
            quiet: true,
          },
          alice,
        ),
        Status.INVALID_ARGUMENT,
      );
      await expectStatus(
        h.client.abortMultipartUpload(
          { bucketName: "fields", objectKey: "..", userId: "", uploadId: "0".repeat(32) },
          alice,
        ),
        Status.INVALID_ARGUMENT,
      );
      await expectStatus(
        h.client.uploadPart(
          (async function* (): AsyncGenerator<minio.UploadPartRequest> {
            yield { payload: { $case: "chunk", value: Buffer.from("early") } };
          })(),
          alice,
        ),
        Status.INVALID_ARGUMENT,
      );
      const listed = await h.client.listBuckets(
        { userId: "", organizationId: "", prefix: "" },
        alice,
      );
      expect(listed.buckets.map((b) => b.name)).not.toContain("locked");
      expect(listed.buckets.map((b) => b.name)).not.toContain("tagged");
    });
  });
});
