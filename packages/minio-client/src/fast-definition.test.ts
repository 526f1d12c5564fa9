import { minio } from "@isa-cloud/proto";
import { describe, expect, it } from "vitest";
import { FastMinIOServiceDefinition } from "./fast-definition.js";

const { putObject, uploadPart } = FastMinIOServiceDefinition.methods;

describe("the fast chunk encoding of uploads", () => {
  it.each([0, 1, 128, 16_384, 1024 * 1024])(
    "writes the same bytes as the generated encoder for a %i-byte chunk",
    (size) => {
      const value = Buffer.alloc(size, 9);
      const put: minio.PutObjectRequest = { payload: { $case: "chunkData", value } };
      expect(
        Buffer.from(putObject.requestType.encode(put).finish()).equals(
          Buffer.from(minio.PutObjectRequest.encode(put).finish()),
        ),
      ).toBe(true);
      const part: minio.UploadPartRequest = { payload: { $case: "chunk", value } };
      expect(
        Buffer.from(uploadPart.requestType.encode(part).finish()).equals(
          Buffer.from(minio.UploadPartRequest.encode(part).finish()),
        ),
      ).toBe(true);
    },
  );

  it("leaves the metadata messages to the generated encoder", () => {
    const put = minio.PutObjectRequest.fromPartial({
      payload: { $case: "metadata", value: { bucketName: "b", objectKey: "k" } },
    });
    expect(minio.PutObjectRequest.decode(putObject.requestType.encode(put).finish())).toEqual(put);
    const part = minio.UploadPartRequest.fromPartial({
      payload: { $case: "metadata", value: { bucketName: "b", objectKey: "k", partNumber: 3 } },
    });
    expect(minio.UploadPartRequest.decode(uploadPart.requestType.encode(part).finish())).toEqual(
      part,
    );
  });
});
