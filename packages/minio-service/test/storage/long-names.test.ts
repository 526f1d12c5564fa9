import { minio } from "@isa-cloud/proto";
import { type CallOptions, Status } from "nice-grpc";
import { beforeAll, describe, expect, it } from "vitest";
import {
  allKeys,
  createBucket,
  expectStatus,
  getObject,
  MiB,
  putObject,
  randomBody,
} from "../harness.js";
import { type BucketCalls, callsOnBucket } from "./bucket-calls.js";
import { alice, bob, describeEachBackend, h } from "./each-backend.js";

// Names and ids of any length a request can carry either work or get INVALID_ARGUMENT
// naming the limit, on every method, and never INTERNAL: a bucket name is 3-63
// characters, a user or organization id at most 1,024 bytes of UTF-8, and every id up to
// that fits the physical layout of both backends (README, "Names and their limits").

const { BucketPolicyType } = minio;
const LONG_ID = "x".repeat(5000);

describeEachBackend(() => {
  beforeAll(async () => {
    await createBucket(h, alice, "mine");
  });

  describe.each([
    ["a 5,000-character bucket name", "b".repeat(5000), /use 3-63 characters/],
    ["a 5,000-character user id", `u:${LONG_ID}/reports`, /at most 1024 bytes/],
    ["a 1,200-byte organization id", `o:${"組".repeat(400)}/reports`, /at most 1024 bytes/],
  ])("a reference with %s", (_what, ref, limit) => {
    const calls: BucketCalls = [
      ["CreateBucket", () => createBucket(h, alice, ref)],
      ...callsOnBucket(ref, () => alice, "mine"),
    ];
    it.each(calls)("is INVALID_ARGUMENT naming the limit on %s", async (_name, call) => {
      const message = await expectStatus(call, Status.INVALID_ARGUMENT);
      expect(message).toMatch(limit);
      // Quoted in part only: the message travels back in a header.
      expect(message.length).toBeLessThan(400);
    });
  });

  describe("a user_id over 1,024 bytes", () => {
    const calls: BucketCalls = [
      ["CreateBucket", () => createBucket(h, alice, "new-one", { userId: LONG_ID })],
      [
        "ListBuckets",
        () => h.client.listBuckets({ userId: LONG_ID, organizationId: "", prefix: "" }, alice),
      ],
      ...callsOnBucket("mine", () => alice, "mine", LONG_ID),
    ];
    it.each(calls)("is INVALID_ARGUMENT naming the limit on %s", async (_name, call) => {
      const message = await expectStatus(call, Status.INVALID_ARGUMENT);
      expect(message).toMatch(/user_id takes 5000 bytes; ids may take at most 1024 bytes/);
    });
  });

  it("refuses an organization_id or a token subject over 1,024 bytes, naming the limit", async () => {
    const carol = await h.as("carol", { org: LONG_ID });
    for (const call of [
      () => createBucket(h, carol, "org-one", { organizationId: LONG_ID }),
      () => h.client.listBuckets({ userId: "", organizationId: LONG_ID, prefix: "" }, carol),
    ]) {
      const message = await expectStatus(call, Status.INVALID_ARGUMENT);
      expect(message).toMatch(/organization_id takes 5000 bytes; ids may take at most 1024 bytes/);
    }
    const tooLong = await h.as("s".repeat(1025));
    for (const call of [
      () => createBucket(h, tooLong, "own-one"),
      () => h.client.listBuckets({ userId: "", organizationId: "", prefix: "" }, tooLong),
      () => putObject(h, tooLong, "own-one", "k", "x"),
    ]) {
      const message = await expectStatus(call, Status.INVALID_ARGUMENT);
      expect(message).toMatch(/token \(sub\) takes 1025 bytes; ids may take at most 1024 bytes/);
    }
  });

  describe.each([
    ["a 300-byte token subject", `auth0|${"s".repeat(294)}`],
    ["a subject of 40 CJK characters", "用".repeat(40)],
    ["a subject at the 1,024-byte limit", "Ü".repeat(512)],
  ])("a user whose id is %s", (_what, id) => {
    let owner: CallOptions;
    beforeAll(async () => {
      owner = await h.as(id);
    });

    it("creates a bucket and uses it like any other", async () => {
      expect(Buffer.byteLength(id)).toBeLessThanOrEqual(1024);
      const created = await createBucket(h, owner, "long-id", { userId: id });
      expect(created.bucketInfo).toMatchObject({ name: "long-id", ownerId: id });
      const body = randomBody(MiB + 3);
      await putObject(h, owner, "long-id", "dir/blob.bin", body, { userId: id });
      await putObject(h, owner, "long-id", "note.txt", "hello");
      const got = await getObject(h, owner, { bucketName: "long-id", objectKey: "dir/blob.bin" });
      expect(got.body.equals(body)).toBe(true);
      expect(got.info.ownerId).toBe(id);
      await h.client.copyObject(
        {
          sourceBucket: "long-id",
          sourceKey: "note.txt",
          destBucket: "long-id",
          destKey: "copy.txt",
          userId: "",
          metadata: {},
          metadataDirective: "",
        },
        owner,
      );
      const { uploadId } = await h.client.initiateMultipartUpload(
        {
          bucketName: "long-id",
          objectKey: "multi.bin",
          userId: "",
          contentType: "",
          metadata: {},
        },
        owner,
      );
      const part = await h.client.uploadPart(
        (async function* (): AsyncGenerator<minio.UploadPartRequest> {
          yield {
            payload: {
              $case: "metadata",
              value: {
                bucketName: "long-id",
                objectKey: "multi.bin",
                userId: "",
                uploadId,
                partNumber: 1,
                partSize: 5n,
              },
            },
          };
          yield { payload: { $case: "chunk", value: Buffer.from("parts") } };
        })(),
        owner,
      );
      await h.client.completeMultipartUpload(
        {
          bucketName: "long-id",
          objectKey: "multi.bin",
          userId: "",
          uploadId,
          parts: [{ partNumber: 1, etag: part.etag }],
        },
        owner,
      );
      expect(await allKeys(h, owner, "long-id")).toEqual([
        "copy.txt",
        "dir/blob.bin",
        "multi.bin",
        "note.txt",
      ]);
      const info = await h.client.getBucketInfo({ bucketName: "long-id", userId: "" }, owner);
      expect(info.bucketInfo?.objectCount).toBe(4n);
      const listed = await h.client.listBuckets(
        { userId: id, organizationId: "", prefix: "" },
        owner,
      );
      expect(listed.buckets.map((b) => b.name)).toEqual(["long-id"]);
    });

    it("shares the bucket by its qualified name and by presigned URL", async () => {
      await h.client.setBucketPolicy(
        {
          bucketName: "long-id",
          userId: "",
          policyType: BucketPolicyType.BUCKET_POLICY_TYPE_PUBLIC_READ,
          customPolicy: "",
        },
        owner,
      );
      const ref = `u:${id}/long-id`;
      const got = await getObject(h, bob, { bucketName: ref, objectKey: "note.txt" });
      expect(got.body.toString()).toBe("hello");
      await expectStatus(putObject(h, bob, ref, "bob.txt", "x"), Status.PERMISSION_DENIED);
      const presigned = await h.client.getPresignedURL(
        {
          bucketName: ref,
          objectKey: "note.txt",
          userId: "",
          expirySeconds: 60,
          requestParams: {},
        },
        bob,
      );
      expect(await (await fetch(presigned.url)).text()).toBe("hello");
    });

    it("deletes the bucket with everything in it", async () => {
      const deleted = await h.client.deleteBucket(
        { bucketName: "long-id", userId: "", force: true },
        owner,
      );
      expect(deleted.deletedObjects).toBe(4);
      await expectStatus(
        h.client.getBucketInfo({ bucketName: "long-id", userId: "" }, owner),
        Status.NOT_FOUND,
      );
    });
  });

  it("lets an organization whose id is 29 CJK characters create and share a bucket", async () => {
    // 261 bytes once escaped: once more than a file name could hold.
    const org = "組".repeat(29);
    const carol = await h.as("carol", { org });
    const dave = await h.as("dave", { org });
    await createBucket(h, carol, "team", { organizationId: org });
    await putObject(h, dave, `o:${org}/team`, "plan.md", "the plan");
    const got = await getObject(h, carol, { bucketName: `o:${org}/team`, objectKey: "plan.md" });
    expect(got.body.toString()).toBe("the plan");
    const listed = await h.client.listBuckets(
      { userId: "", organizationId: org, prefix: "" },
      dave,
    );
    expect(listed.buckets.map((b) => [b.name, b.organizationId])).toEqual([["team", org]]);
  });
});
