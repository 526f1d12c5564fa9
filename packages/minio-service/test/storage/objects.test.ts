import type { minio } from "@isa-cloud/proto";
import { Status } from "nice-grpc";
import { beforeAll, describe, expect, it } from "vitest";
import {
  allKeys,
  createBucket,
  expectNoObject,
  expectStatus,
  getObject,
  type Harness,
  MiB,
  md5,
  putObject,
  putRequests,
  randomBody,
} from "../harness.js";
import { alice, describeEachBackend, h } from "./each-backend.js";

// Objects: streaming them up and down, ranges, overwrites, keys, failed and cancelled uploads, deletes.

describeEachBackend((kind) => {
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
      await expectNoObject(h, alice, "objects", "missing");
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
      await expectNoObject(h, alice, "objects", "m");
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
      await expectNoObject(h, alice, "objects", "early");
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
      await expectNoObject(h, alice, "objects", "cancelled");
    });

    it("deletes objects, and deleting a missing key succeeds", async () => {
      await putObject(h, alice, "objects", "doomed", "x");
      const res = await h.client.deleteObject(
        { bucketName: "objects", objectKey: "doomed", userId: "", versionId: "" },
        alice,
      );
      expect(res.success).toBe(true);
      await expectNoObject(h, alice, "objects", "doomed");
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
});

/** Gives the server a moment to finish a call the client has given up on. */
async function settle(h: Harness): Promise<void> {
  await h.client.healthCheck({ detailed: false });
  await new Promise((resolve) => setTimeout(resolve, 200));
}
