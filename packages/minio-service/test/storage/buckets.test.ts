import { Status } from "nice-grpc";
import { describe, expect, it } from "vitest";
import {
  allKeys,
  createBucket,
  expectStatus,
  getObject,
  listRequest,
  putObject,
} from "../harness.js";
import { alice, bob, describeEachBackend, h } from "./each-backend.js";

// Buckets: creating, listing, sizing and deleting them, and the names S3 allows.

describeEachBackend(() => {
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
});
