import { minio } from "@isa-cloud/proto";
import { type CallOptions, Status } from "nice-grpc";
import { beforeAll, describe, expect, it } from "vitest";
import { createBucket, expectStatus, getObject, listRequest, putObject } from "../harness.js";
import { alice, bob, describeEachBackend, h } from "./each-backend.js";

// Bucket policies: what each canned policy lets other users do, and the refusal of custom ones.

const { BucketPolicyType } = minio;

describeEachBackend(() => {
  describe("policies", () => {
    beforeAll(async () => {
      await createBucket(h, alice, "shared");
      await putObject(h, alice, "shared", "doc.txt", "hello");
    });
    const setPolicy = (opts: CallOptions, policyType: minio.BucketPolicyType, customPolicy = "") =>
      h.client.setBucketPolicy(
        { bucketName: "shared", userId: "", policyType, customPolicy },
        opts,
      );

    it("starts private: another user is denied, by qualified name", async () => {
      const policy = await h.client.getBucketPolicy({ bucketName: "shared", userId: "" }, alice);
      expect(policy.policyType).toBe(BucketPolicyType.BUCKET_POLICY_TYPE_PRIVATE);
      expect(JSON.parse(policy.policyJson).Statement).toEqual([]);
      await expectStatus(
        getObject(h, bob, { bucketName: "u:alice/shared", objectKey: "doc.txt" }),
        Status.PERMISSION_DENIED,
      );
      // A plain name always means the caller's own namespace.
      await expectStatus(
        getObject(h, bob, { bucketName: "shared", objectKey: "doc.txt" }),
        Status.NOT_FOUND,
      );
    });

    it("public-read lets other users read but not write", async () => {
      await setPolicy(alice, BucketPolicyType.BUCKET_POLICY_TYPE_PUBLIC_READ);
      const got = await getObject(h, bob, { bucketName: "u:alice/shared", objectKey: "doc.txt" });
      expect(got.body.toString()).toBe("hello");
      const listed = await h.client.listObjects(listRequest("u:alice/shared"), bob);
      expect(listed.objects.map((o) => o.key)).toEqual(["doc.txt"]);
      await expectStatus(
        putObject(h, bob, "u:alice/shared", "bob.txt", "x"),
        Status.PERMISSION_DENIED,
      );
      await expectStatus(
        h.client.deleteObject(
          { bucketName: "u:alice/shared", objectKey: "doc.txt", userId: "", versionId: "" },
          bob,
        ),
        Status.PERMISSION_DENIED,
      );
      const policy = await h.client.getBucketPolicy(
        { bucketName: "u:alice/shared", userId: "" },
        bob,
      );
      expect(JSON.parse(policy.policyJson).Statement[0].Action).toEqual(["s3:GetObject"]);
    });

    it("public-read-write lets other users write too, but never manage the bucket", async () => {
      await setPolicy(alice, BucketPolicyType.BUCKET_POLICY_TYPE_PUBLIC_READ_WRITE);
      await putObject(h, bob, "u:alice/shared", "bob.txt", "from bob");
      const stat = await h.client.statObject(
        { bucketName: "shared", objectKey: "bob.txt", userId: "", versionId: "" },
        alice,
      );
      expect(stat.objectInfo?.ownerId).toBe("bob");
      await expectStatus(
        h.client.setBucketPolicy(
          {
            bucketName: "u:alice/shared",
            userId: "",
            policyType: BucketPolicyType.BUCKET_POLICY_TYPE_PRIVATE,
            customPolicy: "",
          },
          bob,
        ),
        Status.PERMISSION_DENIED,
      );
      await expectStatus(
        h.client.deleteBucket({ bucketName: "u:alice/shared", userId: "", force: true }, bob),
        Status.PERMISSION_DENIED,
      );
      await setPolicy(alice, BucketPolicyType.BUCKET_POLICY_TYPE_PRIVATE);
      await expectStatus(
        getObject(h, bob, { bucketName: "u:alice/shared", objectKey: "doc.txt" }),
        Status.PERMISSION_DENIED,
      );
    });

    it("refuses a custom policy with FAILED_PRECONDITION and leaves the policy as it was", async () => {
      await setPolicy(alice, BucketPolicyType.BUCKET_POLICY_TYPE_PUBLIC_READ);
      const doc = JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Deny", Principal: "*", Action: "s3:GetObject" }],
      });
      const error = await setPolicy(alice, BucketPolicyType.BUCKET_POLICY_TYPE_CUSTOM, doc).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toMatchObject({
        code: Status.FAILED_PRECONDITION,
        details: expect.stringMatching(
          /BUCKET_POLICY_TYPE_PRIVATE, BUCKET_POLICY_TYPE_PUBLIC_READ or BUCKET_POLICY_TYPE_PUBLIC_READ_WRITE/,
        ),
      });
      const policy = await h.client.getBucketPolicy({ bucketName: "shared", userId: "" }, alice);
      expect(policy.policyType).toBe(BucketPolicyType.BUCKET_POLICY_TYPE_PUBLIC_READ);
      expect(
        (
          await getObject(h, bob, { bucketName: "u:alice/shared", objectKey: "doc.txt" })
        ).body.toString(),
      ).toBe("hello");
      await expectStatus(
        setPolicy(alice, BucketPolicyType.BUCKET_POLICY_TYPE_CUSTOM, "{not json"),
        Status.INVALID_ARGUMENT,
      );
      await expectStatus(
        setPolicy(alice, BucketPolicyType.BUCKET_POLICY_TYPE_CUSTOM, "x".repeat(20 * 1024 + 1)),
        Status.INVALID_ARGUMENT,
      );
      await expectStatus(
        setPolicy(alice, BucketPolicyType.BUCKET_POLICY_TYPE_PRIVATE, doc),
        Status.INVALID_ARGUMENT,
      );
      await expectStatus(setPolicy(alice, 7 as minio.BucketPolicyType), Status.INVALID_ARGUMENT);
      await setPolicy(alice, BucketPolicyType.BUCKET_POLICY_TYPE_PRIVATE);
    });
  });
});
