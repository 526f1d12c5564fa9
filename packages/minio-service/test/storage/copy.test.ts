import { minio } from "@isa-cloud/proto";
import { type CallOptions, Status } from "nice-grpc";
import { beforeAll, describe, expect, it } from "vitest";
import { createBucket, expectStatus, getObject, putObject } from "../harness.js";
import { alice, bob, describeEachBackend, h } from "./each-backend.js";

// CopyObject: COPY and REPLACE, across tenants, and the copies it refuses.

const { BucketPolicyType } = minio;

describeEachBackend(() => {
  describe("copy", () => {
    beforeAll(async () => {
      await createBucket(h, alice, "copies");
      await putObject(h, alice, "copies", "src", "copy me", {
        contentType: "text/plain",
        metadata: { a: "1" },
      });
    });
    const copy = (opts: CallOptions, extra: Partial<minio.CopyObjectRequest>) =>
      h.client.copyObject(
        {
          sourceBucket: "copies",
          sourceKey: "src",
          destBucket: "copies",
          destKey: "dst",
          userId: "",
          metadata: {},
          metadataDirective: "",
          ...extra,
        },
        opts,
      );

    it("copies with the source's metadata (COPY)", async () => {
      const res = await copy(alice, {
        destKey: "copied",
        metadataDirective: "COPY",
        metadata: { ignored: "yes" },
      });
      expect(res).toMatchObject({ success: true });
      const got = await getObject(h, alice, { bucketName: "copies", objectKey: "copied" });
      expect(got.body.toString()).toBe("copy me");
      expect(got.info).toMatchObject({
        contentType: "text/plain",
        metadata: { a: "1" },
        etag: res.etag,
      });
    });

    it("copies with new metadata (REPLACE), also onto itself", async () => {
      await copy(alice, {
        destKey: "replaced",
        metadataDirective: "REPLACE",
        metadata: { b: "2" },
      });
      const got = await getObject(h, alice, { bucketName: "copies", objectKey: "replaced" });
      expect(got.body.toString()).toBe("copy me");
      expect(got.info.metadata).toEqual({ b: "2" });
      await putObject(h, alice, "copies", "self", "same bytes", { metadata: { v: "1" } });
      await copy(alice, {
        sourceKey: "self",
        destKey: "self",
        metadataDirective: "REPLACE",
        metadata: { v: "2" },
      });
      const self = await getObject(h, alice, { bucketName: "copies", objectKey: "self" });
      expect(self.body.toString()).toBe("same bytes");
      expect(self.info.metadata).toEqual({ v: "2" });
    });

    it("copies across tenants where both policies allow it", async () => {
      await createBucket(h, bob, "bobs");
      await h.client.setBucketPolicy(
        {
          bucketName: "copies",
          userId: "",
          policyType: BucketPolicyType.BUCKET_POLICY_TYPE_PUBLIC_READ,
          customPolicy: "",
        },
        alice,
      );
      await copy(bob, { sourceBucket: "u:alice/copies", destBucket: "bobs", destKey: "mine" });
      const got = await getObject(h, bob, { bucketName: "bobs", objectKey: "mine" });
      expect(got.body.toString()).toBe("copy me");
      expect(got.info.ownerId).toBe("bob");
      await expectStatus(
        copy(bob, { sourceBucket: "bobs", sourceKey: "mine", destBucket: "u:alice/copies" }),
        Status.PERMISSION_DENIED,
      );
    });

    it("rejects bad copies", async () => {
      await expectStatus(copy(alice, { sourceKey: "missing" }), Status.NOT_FOUND);
      await expectStatus(copy(alice, { destKey: "src" }), Status.INVALID_ARGUMENT);
      await expectStatus(copy(alice, { metadataDirective: "MERGE" }), Status.INVALID_ARGUMENT);
      await expectStatus(copy(alice, { destKey: "../up" }), Status.INVALID_ARGUMENT);
      await expectStatus(copy(alice, { destBucket: "no-such-bucket" }), Status.NOT_FOUND);
    });
  });
});
