import type { minio } from "@isa-cloud/proto";
import { Status } from "nice-grpc";
import { beforeAll, describe, expect, it } from "vitest";
import {
  createBucket,
  expectNoObject,
  expectStatus,
  getObject,
  MiB,
  md5,
  randomBody,
} from "../harness.js";
import { alice, describeEachBackend, h } from "./each-backend.js";

// Multipart uploads: assembly in part order, S3's checks on Complete, unknown and aborted uploads.

describeEachBackend((kind) => {
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
      await expectNoObject(h, alice, "multi", "checked.zip");
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
      await expectNoObject(h, alice, "multi", "aborted.zip");
    });
  });
});
