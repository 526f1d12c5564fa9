import { Status } from "nice-grpc-common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AlreadyExistsError,
  FailedPreconditionError,
  InvalidArgumentError,
  type MinioClient,
  NotFoundError,
  PermissionDeniedError,
} from "../src/index.js";
import { rejectionOf, type Storage, startStorage } from "./storage.js";

let storage: Storage;
let alice: MinioClient;
let bob: MinioClient;

beforeAll(async () => {
  storage = await startStorage();
  alice = await storage.client("alice", { org: "acme" });
  bob = await storage.client("bob");
});

afterAll(async () => {
  await storage?.close();
});

describe("buckets", () => {
  it("creates a bucket and returns its info with a Date and numbers", async () => {
    const info = await alice.createBucket("reports", { tags: { team: "ml" } });
    expect(info.name).toBe("reports");
    expect(info.ownerId).toBe("alice");
    expect(info.tags).toEqual({ team: "ml" });
    expect(info.creationDate).toBeInstanceOf(Date);
    expect(Number.isNaN(info.creationDate.getTime())).toBe(false);
    expect(info.objectCount).toBe(0);
  });

  it("lists the caller's buckets, filtered by prefix", async () => {
    await alice.createBucket("reports-2024");
    const names = (await alice.listBuckets()).map((b) => b.name);
    expect(names).toEqual(expect.arrayContaining(["reports", "reports-2024"]));
    const filtered = (await alice.listBuckets({ prefix: "reports-" })).map((b) => b.name);
    expect(filtered).toEqual(["reports-2024"]);
  });

  it("keeps two users' buckets of the same name apart", async () => {
    await bob.createBucket("reports");
    await bob.putObject("reports", "bob.txt", "bob's");
    expect(await alice.bucketExists("reports")).toBe(true);
    expect((await bob.listBuckets()).map((b) => b.name)).toEqual(["reports"]);
    await expect(alice.statObject("reports", "bob.txt")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("tells whether a bucket exists", async () => {
    expect(await alice.bucketExists("reports")).toBe(true);
    expect(await alice.bucketExists("no-such-bucket")).toBe(false);
  });

  it("reports a bucket's size and object count", async () => {
    await alice.createBucket("counted");
    await alice.putObject("counted", "a", "12345");
    await alice.putObject("counted", "b", "678");
    const info = await alice.getBucketInfo("counted");
    expect(info.objectCount).toBe(2);
    expect(info.sizeBytes).toBe(8);
  });

  it("creates an organization bucket the organization's members can list", async () => {
    const info = await alice.createBucket("shared", { organizationId: "acme" });
    expect(info.organizationId).toBe("acme");
    const names = (await alice.listBuckets({ organizationId: "acme" })).map((b) => b.name);
    expect(names).toContain("shared");
  });

  it("refuses an organization the caller is not a member of with PermissionDeniedError", async () => {
    const error = await rejectionOf(bob.createBucket("intrude", { organizationId: "acme" }));
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect(error).toMatchObject({ code: Status.PERMISSION_DENIED });
    await expect(bob.listBuckets({ organizationId: "acme" })).rejects.toBeInstanceOf(
      PermissionDeniedError,
    );
  });

  it("refuses a second bucket of the same name with AlreadyExistsError", async () => {
    const error = await rejectionOf(alice.createBucket("reports"));
    expect(error).toBeInstanceOf(AlreadyExistsError);
    expect(error).toMatchObject({ code: Status.ALREADY_EXISTS });
  });

  it("refuses an invalid bucket name with InvalidArgumentError and creates nothing", async () => {
    for (const bad of ["A", "Bad_Name", "-leading", "x".repeat(64)]) {
      const error = await rejectionOf(alice.createBucket(bad));
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect(error).toMatchObject({ code: Status.INVALID_ARGUMENT });
    }
    const names = (await alice.listBuckets()).map((b) => b.name);
    expect(names.some((n) => n.includes("_") || n.startsWith("-"))).toBe(false);
  });

  it("throws NotFoundError for the info of a missing bucket", async () => {
    const error = await rejectionOf(alice.getBucketInfo("missing-bucket"));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({
      code: Status.NOT_FOUND,
      path: "/isa.minio.MinIOService/GetBucketInfo",
    });
  });

  it("refuses to delete a non-empty bucket without force, with FailedPreconditionError", async () => {
    await alice.createBucket("full");
    await alice.putObject("full", "x", "x");
    const error = await rejectionOf(alice.deleteBucket("full"));
    expect(error).toBeInstanceOf(FailedPreconditionError);
    expect(error).toMatchObject({ code: Status.FAILED_PRECONDITION });
    expect(await alice.statObject("full", "x")).toMatchObject({ size: 1 });
  });

  it("deletes a non-empty bucket with force, reporting the objects deleted", async () => {
    expect(await alice.deleteBucket("full", { force: true })).toEqual({ deletedObjects: 1 });
    expect(await alice.bucketExists("full")).toBe(false);
  });

  it("deletes an empty bucket", async () => {
    await alice.createBucket("empty");
    expect(await alice.deleteBucket("empty")).toEqual({ deletedObjects: 0 });
    await expect(alice.deleteBucket("empty")).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("bucket policies", () => {
  it("starts private and takes each canned policy", async () => {
    await alice.createBucket("policy");
    expect((await alice.getBucketPolicy("policy")).policy).toBe("private");
    for (const policy of ["public-read", "public-read-write", "private"] as const) {
      await alice.setBucketPolicy("policy", policy);
      const got = await alice.getBucketPolicy("policy");
      expect(got.policy).toBe(policy);
      expect(() => JSON.parse(got.json)).not.toThrow();
    }
  });

  it("refuses a custom JSON policy, which the service cannot enforce, and keeps the old one", async () => {
    const before = await alice.getBucketPolicy("policy");
    const custom = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: "*",
          Action: ["s3:GetObject"],
          Resource: ["arn:aws:s3:::policy/*"],
        },
      ],
    });
    const error = await rejectionOf(alice.setBucketPolicy("policy", { custom }));
    expect(error).toBeInstanceOf(FailedPreconditionError);
    expect(await alice.getBucketPolicy("policy")).toEqual(before);
  });

  it("refuses a custom policy that is not JSON with InvalidArgumentError", async () => {
    const before = await alice.getBucketPolicy("policy");
    const error = await rejectionOf(alice.setBucketPolicy("policy", { custom: "{not json" }));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toMatchObject({ code: Status.INVALID_ARGUMENT });
    expect(await alice.getBucketPolicy("policy")).toEqual(before);
  });

  it("refuses an unknown policy name before sending it", async () => {
    const error = await rejectionOf(alice.setBucketPolicy("policy", "public" as never));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toMatchObject({ path: "/isa.minio.MinIOService/SetBucketPolicy" });
  });

  it("lets other users read, but not write, a public-read bucket through its u:<owner>/ name", async () => {
    await alice.createBucket("public");
    await alice.putObject("public", "hello.txt", "hello");
    const shared = "u:alice/public";
    await expect(bob.getObject(shared, "hello.txt")).rejects.toBeInstanceOf(PermissionDeniedError);
    await alice.setBucketPolicy("public", "public-read");
    expect((await bob.getObject(shared, "hello.txt")).toString()).toBe("hello");
    const error = await rejectionOf(bob.putObject(shared, "intruder.txt", "x"));
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect(error).toMatchObject({ code: Status.PERMISSION_DENIED });
    await expect(alice.statObject("public", "intruder.txt")).rejects.toBeInstanceOf(NotFoundError);
    await expect(bob.setBucketPolicy(shared, "public-read-write")).rejects.toBeInstanceOf(
      PermissionDeniedError,
    );
  });
});
