// The integration suite every backend passes: a real server on a loopback port, a
// nice-grpc client with the generated definitions, real files (and, for S3, s3rver).
import { minio } from "@isa-cloud/proto";
import { type CallOptions, Status } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  allKeys,
  type BackendKind,
  createBucket,
  expectStatus,
  getObject,
  type Harness,
  MiB,
  md5,
  putObject,
  putRequests,
  randomBody,
  startHarness,
} from "./harness.js";

const { BucketPolicyType } = minio;

type BucketCalls = Array<[string, () => Promise<unknown>]>;

export function storageSuite(kind: BackendKind, onReady: (h: Harness) => void = () => {}): void {
  let h: Harness;
  let alice: CallOptions;
  let bob: CallOptions;

  beforeAll(async () => {
    h = await startHarness(kind);
    alice = await h.as("alice");
    bob = await h.as("bob");
    onReady(h);
  });
  afterAll(async () => {
    await h?.close();
  });

  const listRequest = (bucketName: string, extra: Partial<minio.ListObjectsRequest> = {}) => ({
    bucketName,
    userId: "",
    prefix: "",
    delimiter: "",
    maxKeys: 0,
    startAfter: "",
    continuationToken: "",
    recursive: false,
    ...extra,
  });

  /**
   * One call of every method that names a bucket, each naming `bucket` as `caller`.
   * CopyObject is tried both ways, with `other` (a bucket of the caller's) on the far side.
   */
  const callsOnBucket = (bucket: string, caller: () => CallOptions, other: string): BucketCalls => {
    const uploadId = "0".repeat(32);
    const copy = (sourceBucket: string, destBucket: string) =>
      h.client.copyObject(
        {
          sourceBucket,
          sourceKey: "k",
          destBucket,
          destKey: "copied",
          userId: "",
          metadata: {},
          metadataDirective: "",
        },
        caller(),
      );
    return [
      [
        "DeleteBucket",
        () => h.client.deleteBucket({ bucketName: bucket, userId: "", force: true }, caller()),
      ],
      ["GetBucketInfo", () => h.client.getBucketInfo({ bucketName: bucket, userId: "" }, caller())],
      [
        "SetBucketPolicy",
        () =>
          h.client.setBucketPolicy(
            { bucketName: bucket, userId: "", policyType: 1, customPolicy: "" },
            caller(),
          ),
      ],
      [
        "GetBucketPolicy",
        () => h.client.getBucketPolicy({ bucketName: bucket, userId: "" }, caller()),
      ],
      ["PutObject", () => putObject(h, caller(), bucket, "k", "x")],
      ["GetObject", () => getObject(h, caller(), { bucketName: bucket, objectKey: "k" })],
      [
        "DeleteObject",
        () =>
          h.client.deleteObject(
            { bucketName: bucket, objectKey: "k", userId: "", versionId: "" },
            caller(),
          ),
      ],
      [
        "DeleteObjects",
        () =>
          h.client.deleteObjects(
            { bucketName: bucket, userId: "", objectKeys: ["k"], quiet: false },
            caller(),
          ),
      ],
      ["ListObjects", () => h.client.listObjects(listRequest(bucket), caller())],
      ["CopyObject (source)", () => copy(bucket, other)],
      ["CopyObject (destination)", () => copy(other, bucket)],
      [
        "StatObject",
        () =>
          h.client.statObject(
            { bucketName: bucket, objectKey: "k", userId: "", versionId: "" },
            caller(),
          ),
      ],
      [
        "GetPresignedURL",
        () =>
          h.client.getPresignedURL(
            { bucketName: bucket, objectKey: "k", userId: "", expirySeconds: 0, requestParams: {} },
            caller(),
          ),
      ],
      [
        "GetPresignedPutURL",
        () =>
          h.client.getPresignedPutURL(
            { bucketName: bucket, objectKey: "k", userId: "", expirySeconds: 0, contentType: "" },
            caller(),
          ),
      ],
      [
        "InitiateMultipartUpload",
        () =>
          h.client.initiateMultipartUpload(
            { bucketName: bucket, objectKey: "k", userId: "", contentType: "", metadata: {} },
            caller(),
          ),
      ],
      [
        "UploadPart",
        () =>
          h.client.uploadPart(
            (async function* () {
              yield {
                payload: {
                  $case: "metadata" as const,
                  value: {
                    bucketName: bucket,
                    objectKey: "k",
                    userId: "",
                    uploadId,
                    partNumber: 1,
                    partSize: 0n,
                  },
                },
              };
            })(),
            caller(),
          ),
      ],
      [
        "CompleteMultipartUpload",
        () =>
          h.client.completeMultipartUpload(
            {
              bucketName: bucket,
              objectKey: "k",
              userId: "",
              uploadId,
              parts: [{ partNumber: 1, etag: "x" }],
            },
            caller(),
          ),
      ],
      [
        "AbortMultipartUpload",
        () =>
          h.client.abortMultipartUpload(
            { bucketName: bucket, objectKey: "k", userId: "", uploadId },
            caller(),
          ),
      ],
    ];
  };

  describe("buckets", () => {
    it("creates a bucket and lists it with its owner, region and tags", async () => {
      const created = await createBucket(h, alice, "reports", {
        tags: { team: "data" },
        region: "eu-west-1",
      });
      expect(created.success).toBe(true);
      expect(created.bucketInfo).toMatchObject({
        name: "reports",
        ownerId: "alice",
        region: "eu-west-1",
      });
      const listed = await h.client.listBuckets(
        { userId: "alice", organizationId: "", prefix: "" },
        alice,
      );
      expect(listed.success).toBe(true);
      expect(listed.buckets.map((b) => b.name)).toContain("reports");
      expect(listed.buckets.find((b) => b.name === "reports")?.tags).toEqual({ team: "data" });
      const filtered = await h.client.listBuckets(
        { userId: "", organizationId: "", prefix: "rep" },
        alice,
      );
      expect(filtered.buckets.every((b) => b.name.startsWith("rep"))).toBe(true);
    });

    it("refuses to create a bucket that exists", async () => {
      await createBucket(h, alice, "twice");
      await expectStatus(createBucket(h, alice, "twice"), Status.ALREADY_EXISTS);
    });

    it("lets two users own buckets of the same name", async () => {
      await createBucket(h, alice, "same-name");
      await createBucket(h, bob, "same-name");
      await putObject(h, alice, "same-name", "k", "alice's");
      await putObject(h, bob, "same-name", "k", "bob's");
      expect(
        (await getObject(h, alice, { bucketName: "same-name", objectKey: "k" })).body.toString(),
      ).toBe("alice's");
      expect(
        (await getObject(h, bob, { bucketName: "same-name", objectKey: "k" })).body.toString(),
      ).toBe("bob's");
    });

    it.each([
      ["", "empty"],
      ["ab", "too short"],
      ["x".repeat(64), "too long"],
      ["Upper", "upper case"],
      ["-dash", "leading dash"],
      ["dot.", "trailing dot"],
      ["a..b", "double dot"],
      ["under_score", "underscore"],
      ["192.168.1.1", "an IP address"],
      ["u:alice/reports", "a qualified name"],
    ])("rejects the bucket name %j (%s) with INVALID_ARGUMENT", async (name) => {
      await expectStatus(createBucket(h, alice, name), Status.INVALID_ARGUMENT);
    });

    it("reports size and object count in GetBucketInfo", async () => {
      await createBucket(h, alice, "sized");
      await putObject(h, alice, "sized", "a", "12345");
      await putObject(h, alice, "sized", "b/c", "678");
      const info = await h.client.getBucketInfo({ bucketName: "sized", userId: "" }, alice);
      expect(info.bucketInfo).toMatchObject({
        name: "sized",
        sizeBytes: 8n,
        objectCount: 2n,
        ownerId: "alice",
      });
    });

    it("answers NOT_FOUND for a bucket that does not exist", async () => {
      await expectStatus(
        h.client.getBucketInfo({ bucketName: "nope-none", userId: "" }, alice),
        Status.NOT_FOUND,
      );
      await expectStatus(
        h.client.deleteBucket({ bucketName: "nope-none", userId: "", force: false }, alice),
        Status.NOT_FOUND,
      );
      await expectStatus(putObject(h, alice, "nope-none", "k", "x"), Status.NOT_FOUND);
      await expectStatus(h.client.listObjects(listRequest("nope-none"), alice), Status.NOT_FOUND);
      await expectStatus(
        getObject(h, alice, { bucketName: "nope-none", objectKey: "k" }),
        Status.NOT_FOUND,
      );
    });

    it("refuses to delete a non-empty bucket without force, and empties it with force", async () => {
      await createBucket(h, alice, "full");
      await putObject(h, alice, "full", "one", "1");
      await putObject(h, alice, "full", "dir/two", "2");
      await expectStatus(
        h.client.deleteBucket({ bucketName: "full", userId: "", force: false }, alice),
        Status.FAILED_PRECONDITION,
      );
      const deleted = await h.client.deleteBucket(
        { bucketName: "full", userId: "", force: true },
        alice,
      );
      expect(deleted).toMatchObject({ success: true, deletedObjects: 2 });
      await expectStatus(
        h.client.getBucketInfo({ bucketName: "full", userId: "" }, alice),
        Status.NOT_FOUND,
      );
      await createBucket(h, alice, "full");
      expect(await allKeys(h, alice, "full")).toEqual([]);
    });

    it("deletes an empty bucket", async () => {
      await createBucket(h, alice, "empty-one");
      const deleted = await h.client.deleteBucket(
        { bucketName: "empty-one", userId: "", force: false },
        alice,
      );
      expect(deleted).toMatchObject({ success: true, deletedObjects: 0 });
      const listed = await h.client.listBuckets(
        { userId: "", organizationId: "", prefix: "" },
        alice,
      );
      expect(listed.buckets.map((b) => b.name)).not.toContain("empty-one");
    });
  });

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

  describe("tenancy and identity", () => {
    it("keeps user a's bucket b-xyz apart from user a-b's bucket xyz (both would be a-b-xyz if joined)", async () => {
      const a = await h.as("a");
      const ab = await h.as("a-b");
      await createBucket(h, a, "b-xyz");
      await createBucket(h, ab, "xyz");
      await putObject(h, a, "b-xyz", "secret", "a's data");
      await putObject(h, ab, "xyz", "secret", "a-b's data");
      expect(
        (await getObject(h, a, { bucketName: "b-xyz", objectKey: "secret" })).body.toString(),
      ).toBe("a's data");
      expect(
        (await getObject(h, ab, { bucketName: "xyz", objectKey: "secret" })).body.toString(),
      ).toBe("a-b's data");
      const aBuckets = await h.client.listBuckets(
        { userId: "", organizationId: "", prefix: "" },
        a,
      );
      const abBuckets = await h.client.listBuckets(
        { userId: "", organizationId: "", prefix: "" },
        ab,
      );
      expect(aBuckets.buckets.map((b) => b.name)).toEqual(["b-xyz"]);
      expect(abBuckets.buckets.map((b) => b.name)).toEqual(["xyz"]);
      expect(await allKeys(h, a, "b-xyz")).toEqual(["secret"]);
      await expectStatus(
        getObject(h, a, { bucketName: "xyz", objectKey: "secret" }),
        Status.NOT_FOUND,
      );
      await expectStatus(
        getObject(h, ab, { bucketName: "b-xyz", objectKey: "secret" }),
        Status.NOT_FOUND,
      );
      await expectStatus(
        getObject(h, a, { bucketName: "u:a-b/xyz", objectKey: "secret" }),
        Status.PERMISSION_DENIED,
      );
      await expectStatus(
        getObject(h, ab, { bucketName: "u:a/b-xyz", objectKey: "secret" }),
        Status.PERMISSION_DENIED,
      );
    });

    it("rejects calls without a token with UNAUTHENTICATED", async () => {
      await expectStatus(
        h.client.listBuckets({ userId: "alice", organizationId: "", prefix: "" }),
        Status.UNAUTHENTICATED,
      );
      await expectStatus(
        h.client.putObject(
          putRequests({ bucketName: "reports", objectKey: "k" }, Buffer.from("x")),
        ),
        Status.UNAUTHENTICATED,
      );
    });

    it("rejects a forged token with UNAUTHENTICATED", async () => {
      const { signToken } = await import("@isa-cloud/rpc");
      const forged = await signToken({ secret: "not-the-server-secret-0123456789", sub: "alice" });
      const { Metadata } = await import("nice-grpc");
      await expectStatus(
        h.client.listBuckets(
          { userId: "", organizationId: "", prefix: "" },
          { metadata: Metadata({ authorization: `Bearer ${forged}` }) },
        ),
        Status.UNAUTHENTICATED,
      );
    });

    it("rejects a user_id other than the token's subject with PERMISSION_DENIED", async () => {
      await expectStatus(
        h.client.listBuckets({ userId: "bob", organizationId: "", prefix: "" }, alice),
        Status.PERMISSION_DENIED,
      );
      await expectStatus(
        putObject(h, alice, "reports", "k", "x", { userId: "bob" }),
        Status.PERMISSION_DENIED,
      );
    });

    it("keeps the system namespace out of reach of user tokens", async () => {
      const system = await h.as("duckdb-service", { system: true });
      await createBucket(h, system, "isa-duckdb");
      await putObject(h, system, "isa-duckdb", "db/alice.duckdb", "database bytes");
      const listed = await h.client.listBuckets(
        { userId: "", organizationId: "", prefix: "" },
        system,
      );
      expect(listed.buckets.map((b) => b.name)).toEqual(["isa-duckdb"]);
      await expectStatus(
        getObject(h, alice, { bucketName: "isa-duckdb", objectKey: "db/alice.duckdb" }),
        Status.NOT_FOUND,
      );
      await expectStatus(
        getObject(h, alice, { bucketName: "sys:x/isa-duckdb", objectKey: "db/alice.duckdb" }),
        Status.INVALID_ARGUMENT,
      );
      // A system token is trusted with every tenant's buckets.
      await createBucket(h, alice, "for-system");
      await putObject(h, alice, "for-system", "k", "alice's");
      const users = await getObject(h, system, {
        bucketName: "u:alice/for-system",
        objectKey: "k",
      });
      expect(users.body.toString()).toBe("alice's");
    });
  });

  describe("organization buckets", () => {
    it("are shared by members of the organization only", async () => {
      const carol = await h.as("carol", { org: "acme" });
      const dave = await h.as("dave", { org: "acme" });
      const eve = await h.as("eve", { org: "evil" });
      await createBucket(h, carol, "team", { organizationId: "acme" });
      await putObject(h, carol, "o:acme/team", "plan.md", "the plan");
      // Dave, another member, reaches it by its qualified name.
      expect(
        (
          await getObject(h, dave, { bucketName: "o:acme/team", objectKey: "plan.md" })
        ).body.toString(),
      ).toBe("the plan");
      await putObject(h, dave, "o:acme/team", "notes.md", "dave's notes");
      const listed = await h.client.listBuckets(
        { userId: "", organizationId: "acme", prefix: "" },
        dave,
      );
      expect(listed.buckets.map((b) => b.name)).toEqual(["team"]);
      expect(listed.buckets[0]?.organizationId).toBe("acme");
      await expectStatus(
        h.client.listBuckets({ userId: "", organizationId: "acme", prefix: "" }, eve),
        Status.PERMISSION_DENIED,
      );
      await expectStatus(
        getObject(h, eve, { bucketName: "o:acme/team", objectKey: "plan.md" }),
        Status.PERMISSION_DENIED,
      );
      await expectStatus(
        getObject(h, eve, { bucketName: "team", objectKey: "plan.md" }),
        Status.NOT_FOUND,
      );
      await expectStatus(
        createBucket(h, eve, "takeover", { organizationId: "acme" }),
        Status.PERMISSION_DENIED,
      );
      await expectStatus(
        createBucket(h, alice, "no-org", { organizationId: "acme" }),
        Status.PERMISSION_DENIED,
      );
    });
  });

  describe("a plain bucket name", () => {
    it("never falls back to the organization's bucket of that name", async () => {
      const frank = await h.as("frank", { org: "globex" });
      const grace = await h.as("grace", { org: "globex" });
      // Grace, another member, pre-creates the org bucket Frank would call his own `data`.
      await createBucket(h, grace, "data", { organizationId: "globex" });
      await putObject(h, grace, "o:globex/data", "k", "org data");
      await expectStatus(
        getObject(h, frank, { bucketName: "data", objectKey: "k" }),
        Status.NOT_FOUND,
      );
      await expectStatus(putObject(h, frank, "data", "mine", "frank's"), Status.NOT_FOUND);
      await expectStatus(
        h.client.getBucketInfo({ bucketName: "data", userId: "" }, frank),
        Status.NOT_FOUND,
      );
      await expectStatus(
        h.client.deleteBucket({ bucketName: "data", userId: "", force: true }, frank),
        Status.NOT_FOUND,
      );
      expect(
        (
          await getObject(h, frank, { bucketName: "o:globex/data", objectKey: "k" })
        ).body.toString(),
      ).toBe("org data");
      // Once Frank has his own `data`, the plain name is that one and the org's stays apart.
      await createBucket(h, frank, "data");
      await putObject(h, frank, "data", "k", "frank's");
      expect(
        (await getObject(h, frank, { bucketName: "data", objectKey: "k" })).body.toString(),
      ).toBe("frank's");
      expect(
        (
          await getObject(h, grace, { bucketName: "o:globex/data", objectKey: "k" })
        ).body.toString(),
      ).toBe("org data");
    });
  });

  describe("another tenant's private bucket", () => {
    const ref = "u:alice/private-one";
    beforeAll(async () => {
      await createBucket(h, alice, "private-one");
      await putObject(h, alice, "private-one", "k", "alice only");
      await createBucket(h, bob, "bob-source");
      await putObject(h, bob, "bob-source", "k", "bob's");
    });
    const calls = callsOnBucket(ref, () => bob, "bob-source");
    it.each(calls)("is PERMISSION_DENIED for %s", async (_name, call) => {
      await expectStatus(call, Status.PERMISSION_DENIED);
    });

    it("is untouched afterwards", async () => {
      expect(
        (await getObject(h, alice, { bucketName: "private-one", objectKey: "k" })).body.toString(),
      ).toBe("alice only");
      expect(await allKeys(h, alice, "private-one")).toEqual(["k"]);
    });
  });

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

  describe("objects", () => {
    beforeAll(async () => {
      await createBucket(h, alice, "objects");
    });

    it("streams an object up and down in chunks, with its info first", async () => {
      const body = randomBody(3 * MiB + 5);
      const put = await putObject(h, alice, "objects", "data/blob.bin", body, {
        contentType: "application/x-test",
        contentLength: BigInt(body.length),
        metadata: { Origin: "test", "emoji-ok": "☃" },
      });
      expect(put).toMatchObject({
        success: true,
        objectKey: "data/blob.bin",
        etag: md5(body),
        size: BigInt(body.length),
      });
      const got = await getObject(h, alice, { bucketName: "objects", objectKey: "data/blob.bin" });
      expect(got.body.equals(body)).toBe(true);
      expect(got.info).toMatchObject({
        key: "data/blob.bin",
        size: BigInt(body.length),
        etag: md5(body),
        contentType: "application/x-test",
        metadata: { Origin: "test", "emoji-ok": "☃" },
        ownerId: "alice",
      });
      expect(Math.max(...got.chunkSizes)).toBeLessThanOrEqual(MiB);
      const stat = await h.client.statObject(
        { bucketName: "objects", objectKey: "data/blob.bin", userId: "", versionId: "" },
        alice,
      );
      expect(stat.objectInfo).toMatchObject({
        size: BigInt(body.length),
        etag: md5(body),
        contentType: "application/x-test",
      });
    });

    it("stores an empty object, and defaults its content type", async () => {
      const put = await putObject(h, alice, "objects", "empty", Buffer.alloc(0));
      expect(put.etag).toBe(md5(""));
      const got = await getObject(h, alice, { bucketName: "objects", objectKey: "empty" });
      expect(got.body.length).toBe(0);
      expect(got.info).toMatchObject({ size: 0n, contentType: "application/octet-stream" });
    });

    it("accepts keys S3 accepts: spaces, unicode, upper case, empty segments, trailing slash", async () => {
      const keys = [
        "with space.txt",
        "ünïcødé/文件.txt",
        "UPPER/Case.TXT",
        "folder/",
        "%percent%",
        "😀/x",
      ];
      // s3rver's router drops empty path segments; S3 itself keeps them.
      if (kind === "fs") keys.push("a//b");
      for (const key of keys) await putObject(h, alice, "objects", key, `body of ${key}`);
      for (const key of keys) {
        expect(
          (await getObject(h, alice, { bucketName: "objects", objectKey: key })).body.toString(),
        ).toBe(`body of ${key}`);
      }
    });

    it("serves range reads", async () => {
      const body = Buffer.from("0123456789");
      await putObject(h, alice, "objects", "digits", body);
      const read = async (offset: number, length: number) =>
        (
          await getObject(h, alice, {
            bucketName: "objects",
            objectKey: "digits",
            offset: BigInt(offset),
            length: BigInt(length),
          })
        ).body.toString();
      expect(await read(2, 3)).toBe("234");
      expect(await read(7, 0)).toBe("789");
      expect(await read(8, 100)).toBe("89");
      expect(await read(10, 0)).toBe("");
      await expectStatus(read(11, 0), Status.INVALID_ARGUMENT);
      await expectStatus(
        getObject(h, alice, { bucketName: "objects", objectKey: "digits", offset: -1n }),
        Status.INVALID_ARGUMENT,
      );
    });

    it("replaces an object on overwrite", async () => {
      await putObject(h, alice, "objects", "over", "first version, longer");
      await putObject(h, alice, "objects", "over", "second");
      expect(
        (await getObject(h, alice, { bucketName: "objects", objectKey: "over" })).body.toString(),
      ).toBe("second");
    });

    it("answers NOT_FOUND for a missing key", async () => {
      await expectStatus(
        getObject(h, alice, { bucketName: "objects", objectKey: "missing" }),
        Status.NOT_FOUND,
      );
      await expectStatus(
        h.client.statObject(
          { bucketName: "objects", objectKey: "missing", userId: "", versionId: "" },
          alice,
        ),
        Status.NOT_FOUND,
      );
    });

    it.each([
      ["k".repeat(1025), "over 1,024 bytes"],
      ["é".repeat(513), "over 1,024 bytes of UTF-8"],
      ["../escape", "a '..' segment"],
      ["a/../../b", "a '..' segment inside"],
      ["a/./b", "a '.' segment"],
      ["/absolute", "a leading '/'"],
      ["", "empty"],
      ["tab\tkey", "a control character"],
    ])("rejects the key %j (%s) with INVALID_ARGUMENT and stores nothing", async (key) => {
      await createBucket(h, alice, "bad-keys").catch(() => {});
      await expectStatus(putObject(h, alice, "bad-keys", key, "x"), Status.INVALID_ARGUMENT);
      await expectStatus(
        getObject(h, alice, { bucketName: "bad-keys", objectKey: key }),
        Status.INVALID_ARGUMENT,
      );
      expect(await allKeys(h, alice, "bad-keys")).toEqual([]);
    });

    it("rejects bad metadata and content types with INVALID_ARGUMENT", async () => {
      await expectStatus(
        putObject(h, alice, "objects", "m", "x", { metadata: { big: "v".repeat(2000) } }),
        Status.INVALID_ARGUMENT,
      );
      await expectStatus(
        putObject(h, alice, "objects", "m", "x", { metadata: { "": "v" } }),
        Status.INVALID_ARGUMENT,
      );
      await expectStatus(
        putObject(h, alice, "objects", "m", "x", { contentType: "text/\nplain" }),
        Status.INVALID_ARGUMENT,
      );
      await expectStatus(
        h.client.statObject(
          { bucketName: "objects", objectKey: "m", userId: "", versionId: "" },
          alice,
        ),
        Status.NOT_FOUND,
      );
    });

    it("rejects a chunk sent before the metadata", async () => {
      async function* chunkFirst(): AsyncGenerator<minio.PutObjectRequest> {
        yield { payload: { $case: "chunkData", value: Buffer.from("early") } };
        yield* putRequests({ bucketName: "objects", objectKey: "early" }, Buffer.from("x"));
      }
      await expectStatus(h.client.putObject(chunkFirst(), alice), Status.INVALID_ARGUMENT);
      await expectStatus(
        h.client.putObject((async function* () {})(), alice),
        Status.INVALID_ARGUMENT,
      );
      async function* twice(): AsyncGenerator<minio.PutObjectRequest> {
        yield* putRequests({ bucketName: "objects", objectKey: "early" }, Buffer.from("x"));
        yield* putRequests({ bucketName: "objects", objectKey: "early" }, Buffer.from("y"));
      }
      await expectStatus(h.client.putObject(twice(), alice), Status.INVALID_ARGUMENT);
      await expectStatus(
        h.client.statObject(
          { bucketName: "objects", objectKey: "early", userId: "", versionId: "" },
          alice,
        ),
        Status.NOT_FOUND,
      );
    });

    it("rejects a stream whose length differs from content_length and keeps the old object", async () => {
      await putObject(h, alice, "objects", "sized-put", "original");
      const body = randomBody(2 * MiB);
      await expectStatus(
        putObject(h, alice, "objects", "sized-put", body, {
          contentLength: BigInt(body.length + 1),
        }),
        Status.INVALID_ARGUMENT,
      );
      await expectStatus(
        putObject(h, alice, "objects", "sized-put", body, {
          contentLength: BigInt(body.length - 1),
        }),
        Status.INVALID_ARGUMENT,
      );
      await expectStatus(
        putObject(h, alice, "objects", "sized-put", body, { contentLength: -1n }),
        Status.INVALID_ARGUMENT,
      );
      expect(
        (
          await getObject(h, alice, { bucketName: "objects", objectKey: "sized-put" })
        ).body.toString(),
      ).toBe("original");
    });

    it("stores nothing when the client cancels the stream midway", async () => {
      const controller = new AbortController();
      let release!: () => void;
      const sent = new Promise<void>((resolve) => {
        release = resolve;
      });
      async function* cancelled(): AsyncGenerator<minio.PutObjectRequest> {
        yield* putRequests({ bucketName: "objects", objectKey: "cancelled" }, randomBody(2 * MiB));
        release();
        await new Promise((resolve) => setTimeout(resolve, 60_000));
      }
      const call = h.client.putObject(cancelled(), { ...alice, signal: controller.signal });
      await sent;
      controller.abort();
      await expect(call).rejects.toMatchObject({ name: "AbortError" });
      await settle(h);
      await expectStatus(
        h.client.statObject(
          { bucketName: "objects", objectKey: "cancelled", userId: "", versionId: "" },
          alice,
        ),
        Status.NOT_FOUND,
      );
    });

    it("deletes objects, and deleting a missing key succeeds", async () => {
      await putObject(h, alice, "objects", "doomed", "x");
      const res = await h.client.deleteObject(
        { bucketName: "objects", objectKey: "doomed", userId: "", versionId: "" },
        alice,
      );
      expect(res.success).toBe(true);
      await expectStatus(
        h.client.statObject(
          { bucketName: "objects", objectKey: "doomed", userId: "", versionId: "" },
          alice,
        ),
        Status.NOT_FOUND,
      );
      const again = await h.client.deleteObject(
        { bucketName: "objects", objectKey: "doomed", userId: "", versionId: "" },
        alice,
      );
      expect(again.success).toBe(true);
      await expectStatus(
        h.client.deleteObject(
          { bucketName: "objects", objectKey: "../x", userId: "", versionId: "" },
          alice,
        ),
        Status.INVALID_ARGUMENT,
      );
    });

    it("deletes a batch, reporting an error per bad key", async () => {
      await createBucket(h, alice, "batch");
      for (const key of ["a", "b", "c"]) await putObject(h, alice, "batch", key, key);
      const res = await h.client.deleteObjects(
        {
          bucketName: "batch",
          userId: "",
          objectKeys: ["a", "../evil", "b", "never-existed"],
          quiet: false,
        },
        alice,
      );
      expect(res.success).toBe(false);
      expect(res.deletedKeys).toEqual(["a", "b", "never-existed"]);
      expect(res.errors).toHaveLength(1);
      expect(res.errors[0]).toMatchObject({ key: "../evil", errorCode: "INVALID_ARGUMENT" });
      const quiet = await h.client.deleteObjects(
        { bucketName: "batch", userId: "", objectKeys: ["c"], quiet: true },
        alice,
      );
      expect(quiet).toMatchObject({ success: true, deletedKeys: [], errors: [] });
      expect(await allKeys(h, alice, "batch")).toEqual([]);
      await expectStatus(
        h.client.deleteObjects(
          { bucketName: "batch", userId: "", objectKeys: [], quiet: false },
          alice,
        ),
        Status.INVALID_ARGUMENT,
      );
    });
  });

  describe("listing", () => {
    // Every common prefix has a key directly under it: s3rver misses prefixes whose keys all
    // sit deeper (see the README), which real S3 does not.
    const keys = [
      "a",
      "a-c",
      "a/b",
      "a/c/d",
      "b/1",
      "b/2",
      "b/3/x",
      "c",
      "photos/2024/01.jpg",
      "photos/2024/02.jpg",
      "photos/2025/01.jpg",
      "photos/cover.jpg",
    ];
    beforeAll(async () => {
      await createBucket(h, alice, "listing");
      for (const key of keys) await putObject(h, alice, "listing", key, key);
    });

    it("lists every key in byte order, a page at a time", async () => {
      const seen: string[] = [];
      let continuationToken = "";
      let pages = 0;
      do {
        const page = await h.client.listObjects(
          listRequest("listing", { recursive: true, maxKeys: 3, continuationToken }),
          alice,
        );
        expect(page.objects.length).toBeLessThanOrEqual(3);
        expect(page.isTruncated).toBe(page.nextContinuationToken !== "");
        seen.push(...page.objects.map((o) => o.key));
        continuationToken = page.nextContinuationToken;
        pages++;
      } while (continuationToken);
      expect(seen).toEqual([...keys].sort());
      expect(pages).toBe(4);
      const one = await h.client.listObjects(
        listRequest("listing", { recursive: true, prefix: "a/b" }),
        alice,
      );
      expect(one.objects[0]).toMatchObject({ key: "a/b", size: 3n, etag: md5("a/b") });
    });

    it("groups keys into common prefixes with a delimiter, across pages", async () => {
      const top = await h.client.listObjects(listRequest("listing", { delimiter: "/" }), alice);
      expect(top.objects.map((o) => o.key)).toEqual(["a", "a-c", "c"]);
      expect(top.commonPrefixes).toEqual(["a/", "b/", "photos/"]);
      const entries: string[] = [];
      let continuationToken = "";
      do {
        const page = await h.client.listObjects(
          listRequest("listing", { delimiter: "/", maxKeys: 2, continuationToken }),
          alice,
        );
        expect(page.objects.length + page.commonPrefixes.length).toBeLessThanOrEqual(2);
        entries.push(...page.objects.map((o) => o.key), ...page.commonPrefixes);
        continuationToken = page.nextContinuationToken;
      } while (continuationToken);
      expect(entries.sort()).toEqual(["a", "a-c", "a/", "b/", "c", "photos/"]);
      const nested = await h.client.listObjects(
        listRequest("listing", { delimiter: "/", prefix: "photos/" }),
        alice,
      );
      expect(nested.commonPrefixes).toEqual(["photos/2024/", "photos/2025/"]);
      expect(nested.objects.map((o) => o.key)).toEqual(["photos/cover.jpg"]);
      const partial = await h.client.listObjects(
        listRequest("listing", { delimiter: "/", prefix: "b/" }),
        alice,
      );
      expect(partial.objects.map((o) => o.key)).toEqual(["b/1", "b/2"]);
      expect(partial.commonPrefixes).toEqual(["b/3/"]);
      const otherDelimiter = await h.client.listObjects(
        listRequest("listing", { delimiter: "-" }),
        alice,
      );
      expect(otherDelimiter.commonPrefixes).toEqual(["a-"]);
      expect(otherDelimiter.objects.map((o) => o.key)).not.toContain("a-c");
    });

    it("honours prefix and start_after, and ignores the delimiter when recursive", async () => {
      const prefixed = await h.client.listObjects(
        listRequest("listing", { prefix: "photos/2024", recursive: true }),
        alice,
      );
      expect(prefixed.objects.map((o) => o.key)).toEqual([
        "photos/2024/01.jpg",
        "photos/2024/02.jpg",
      ]);
      const after = await h.client.listObjects(
        listRequest("listing", { startAfter: "b/2", recursive: true }),
        alice,
      );
      expect(after.objects.map((o) => o.key)).toEqual([
        "b/3/x",
        "c",
        "photos/2024/01.jpg",
        "photos/2024/02.jpg",
        "photos/2025/01.jpg",
        "photos/cover.jpg",
      ]);
      const recursive = await h.client.listObjects(
        listRequest("listing", { delimiter: "/", recursive: true }),
        alice,
      );
      expect(recursive.commonPrefixes).toEqual([]);
      expect(recursive.objects).toHaveLength(keys.length);
    });

    it("rejects a continuation token it did not issue and a negative max_keys", async () => {
      await expectStatus(
        h.client.listObjects(listRequest("listing", { continuationToken: "garbage!" }), alice),
        Status.INVALID_ARGUMENT,
      );
      await expectStatus(
        h.client.listObjects(listRequest("listing", { maxKeys: -1 }), alice),
        Status.INVALID_ARGUMENT,
      );
    });
  });

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

  describe("presigned URLs", () => {
    beforeAll(async () => {
      await createBucket(h, alice, "presigned");
      await putObject(h, alice, "presigned", "dir/file.txt", "presigned body", {
        contentType: "text/plain",
      });
    });

    it("downloads with a presigned GET URL", async () => {
      const res = await h.client.getPresignedURL(
        {
          bucketName: "presigned",
          objectKey: "dir/file.txt",
          userId: "",
          expirySeconds: 300,
          requestParams: {},
        },
        alice,
      );
      expect(res.success).toBe(true);
      const seconds = Number(res.expiresAt?.seconds) - Date.now() / 1000;
      expect(seconds).toBeGreaterThan(200);
      expect(seconds).toBeLessThanOrEqual(301);
      const response = await fetch(res.url);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe("presigned body");
    });

    it("uploads with a presigned PUT URL", async () => {
      const res = await h.client.getPresignedPutURL(
        {
          bucketName: "presigned",
          objectKey: "uploaded.csv",
          userId: "",
          expirySeconds: 0,
          contentType: "text/csv",
        },
        alice,
      );
      const response = await fetch(res.url, {
        method: "PUT",
        body: "a,b\n1,2\n",
        headers: { "content-type": "text/csv" },
      });
      expect(response.status).toBe(200);
      const got = await getObject(h, alice, { bucketName: "presigned", objectKey: "uploaded.csv" });
      expect(got.body.toString()).toBe("a,b\n1,2\n");
      expect(got.info.contentType).toBe("text/csv");
      expect(got.info.etag).toBe(md5("a,b\n1,2\n"));
    });

    it("rejects an expiry above 7 days or below zero, and unknown request params", async () => {
      for (const expirySeconds of [604_801, -1]) {
        await expectStatus(
          h.client.getPresignedURL(
            {
              bucketName: "presigned",
              objectKey: "dir/file.txt",
              userId: "",
              expirySeconds,
              requestParams: {},
            },
            alice,
          ),
          Status.INVALID_ARGUMENT,
        );
      }
      await expectStatus(
        h.client.getPresignedURL(
          {
            bucketName: "presigned",
            objectKey: "dir/file.txt",
            userId: "",
            expirySeconds: 60,
            requestParams: { "x-evil": "1" },
          },
          alice,
        ),
        Status.INVALID_ARGUMENT,
      );
      await expectStatus(
        h.client.getPresignedPutURL(
          {
            bucketName: "presigned",
            objectKey: "/abs",
            userId: "",
            expirySeconds: 60,
            contentType: "",
          },
          alice,
        ),
        Status.INVALID_ARGUMENT,
      );
    });
  });

  describe("multipart uploads", () => {
    const part1 = randomBody(5 * MiB);
    const part2 = randomBody(1234);
    beforeAll(async () => {
      await createBucket(h, alice, "multi");
    });
    const initiate = (key: string) =>
      h.client.initiateMultipartUpload(
        {
          bucketName: "multi",
          objectKey: key,
          userId: "",
          contentType: "application/zip",
          metadata: { m: "1" },
        },
        alice,
      );
    const uploadPart = (
      key: string,
      uploadId: string,
      partNumber: number,
      body: Buffer,
      partSize = BigInt(body.length),
    ) =>
      h.client.uploadPart(
        (async function* (): AsyncGenerator<minio.UploadPartRequest> {
          yield {
            payload: {
              $case: "metadata",
              value: {
                bucketName: "multi",
                objectKey: key,
                userId: "",
                uploadId,
                partNumber,
                partSize,
              },
            },
          };
          for (let offset = 0; offset < body.length; offset += MiB) {
            yield { payload: { $case: "chunk", value: body.subarray(offset, offset + MiB) } };
          }
        })(),
        alice,
      );
    const complete = (key: string, uploadId: string, parts: minio.CompletedPart[]) =>
      h.client.completeMultipartUpload(
        { bucketName: "multi", objectKey: key, userId: "", uploadId, parts },
        alice,
      );

    it("assembles parts uploaded out of order, in part order", async () => {
      const { uploadId } = await initiate("big.zip");
      expect(uploadId).toMatch(/^[0-9a-f]{32}$/);
      const second = await uploadPart("big.zip", uploadId, 2, part2, 0n);
      const first = await uploadPart("big.zip", uploadId, 1, part1);
      expect(first.etag).toBe(md5(part1));
      expect(second.etag).toBe(md5(part2));
      const done = await complete("big.zip", uploadId, [
        { partNumber: 1, etag: first.etag },
        { partNumber: 2, etag: `"${second.etag}"` },
      ]);
      expect(done.success).toBe(true);
      const got = await getObject(h, alice, { bucketName: "multi", objectKey: "big.zip" });
      expect(got.body.equals(Buffer.concat([part1, part2]))).toBe(true);
      expect(got.info).toMatchObject({
        contentType: "application/zip",
        metadata: { m: "1" },
        etag: done.etag,
      });
      if (kind === "fs") {
        const expected = md5(
          Buffer.concat([Buffer.from(first.etag, "hex"), Buffer.from(second.etag, "hex")]),
        );
        expect(done.etag).toBe(`${expected}-2`);
      }
      await expectStatus(
        complete("big.zip", uploadId, [{ partNumber: 1, etag: first.etag }]),
        Status.NOT_FOUND,
      );
    });

    it("rejects a wrong ETag, a bad part order and a small middle part with INVALID_ARGUMENT", async () => {
      const { uploadId } = await initiate("checked.zip");
      const first = await uploadPart("checked.zip", uploadId, 1, part1);
      const second = await uploadPart("checked.zip", uploadId, 2, part2);
      const third = await uploadPart("checked.zip", uploadId, 3, part2);
      await expectStatus(
        complete("checked.zip", uploadId, [
          { partNumber: 1, etag: first.etag },
          { partNumber: 2, etag: md5("something else") },
        ]),
        Status.INVALID_ARGUMENT,
      );
      await expectStatus(
        complete("checked.zip", uploadId, [
          { partNumber: 2, etag: second.etag },
          { partNumber: 1, etag: first.etag },
        ]),
        Status.INVALID_ARGUMENT,
      );
      await expectStatus(
        complete("checked.zip", uploadId, [
          { partNumber: 2, etag: second.etag },
          { partNumber: 3, etag: third.etag },
        ]),
        Status.INVALID_ARGUMENT,
      );
      await expectStatus(
        complete("checked.zip", uploadId, [{ partNumber: 4, etag: third.etag }]),
        Status.INVALID_ARGUMENT,
      );
      await expectStatus(complete("checked.zip", uploadId, []), Status.INVALID_ARGUMENT);
      await expectStatus(
        h.client.statObject(
          { bucketName: "multi", objectKey: "checked.zip", userId: "", versionId: "" },
          alice,
        ),
        Status.NOT_FOUND,
      );
      // Still usable after the refusals.
      const done = await complete("checked.zip", uploadId, [
        { partNumber: 1, etag: first.etag },
        { partNumber: 3, etag: third.etag },
      ]);
      expect(done.success).toBe(true);
    });

    it("rejects bad part numbers, wrong part sizes and unknown uploads", async () => {
      const { uploadId } = await initiate("parts.zip");
      await expectStatus(uploadPart("parts.zip", uploadId, 0, part2), Status.INVALID_ARGUMENT);
      await expectStatus(uploadPart("parts.zip", uploadId, 10_001, part2), Status.INVALID_ARGUMENT);
      await expectStatus(
        uploadPart("parts.zip", uploadId, 1, part2, BigInt(part2.length + 1)),
        Status.INVALID_ARGUMENT,
      );
      await expectStatus(uploadPart("parts.zip", "f".repeat(32), 1, part2), Status.NOT_FOUND);
      await expectStatus(uploadPart("parts.zip", "../../etc", 1, part2), Status.NOT_FOUND);
      await expectStatus(uploadPart("other.zip", uploadId, 1, part2), Status.NOT_FOUND);
      await expectStatus(
        h.client.initiateMultipartUpload(
          { bucketName: "multi", objectKey: "..", userId: "", contentType: "", metadata: {} },
          alice,
        ),
        Status.INVALID_ARGUMENT,
      );
    });

    it("leaves nothing behind after an abort", async () => {
      const { uploadId } = await initiate("aborted.zip");
      const first = await uploadPart("aborted.zip", uploadId, 1, part2);
      const res = await h.client.abortMultipartUpload(
        { bucketName: "multi", objectKey: "aborted.zip", userId: "", uploadId },
        alice,
      );
      expect(res.success).toBe(true);
      await expectStatus(uploadPart("aborted.zip", uploadId, 2, part2), Status.NOT_FOUND);
      await expectStatus(
        complete("aborted.zip", uploadId, [{ partNumber: 1, etag: first.etag }]),
        Status.NOT_FOUND,
      );
      await expectStatus(
        h.client.abortMultipartUpload(
          { bucketName: "multi", objectKey: "aborted.zip", userId: "", uploadId },
          alice,
        ),
        Status.NOT_FOUND,
      );
      await expectStatus(
        h.client.statObject(
          { bucketName: "multi", objectKey: "aborted.zip", userId: "", versionId: "" },
          alice,
        ),
        Status.NOT_FOUND,
      );
    });
  });

  describe("health", () => {
    it("answers HealthCheck without a token, with details on request", async () => {
      const plain = await h.client.healthCheck({ detailed: false });
      expect(plain).toMatchObject({ success: true, healthy: true, status: "SERVING" });
      expect(plain.details).toBeUndefined();
      const detailed = await h.client.healthCheck({ detailed: true });
      expect(detailed.details).toMatchObject({ backend: kind, service: "isa-minio-service" });
      expect(typeof detailed.details?.latencyMs).toBe("number");
    });
  });
}

/** Gives the server a moment to finish a call the client has given up on. */
async function settle(h: Harness): Promise<void> {
  await h.client.healthCheck({ detailed: false });
  await new Promise((resolve) => setTimeout(resolve, 200));
}
