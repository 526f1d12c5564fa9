import { randomBytes } from "node:crypto";
import { minio } from "@isa-cloud/proto";
import { describe, expect, it } from "vitest";
import { allocBytesField, encodeBytesField, fastBytesEncode } from "./bytes-message-encoder.js";

const putEncode = fastBytesEncode(minio.PutObjectRequest, 2, (m) =>
  m.payload?.$case === "chunkData" ? m.payload.value : undefined,
);
const partEncode = fastBytesEncode(minio.UploadPartRequest, 2, (m) =>
  m.payload?.$case === "chunk" ? m.payload.value : undefined,
);

// Buffer.equals: vitest's toEqual walks megabytes element by element.
const same = (a: Uint8Array, b: Uint8Array) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);

// Lengths around every varint boundary a chunk can hit, up to past the usual 1 MiB.
const sizes = [0, 1, 127, 128, 16_383, 16_384, 1024 * 1024 - 5, 1024 * 1024, 2_097_152 + 1];

describe("fastBytesEncode", () => {
  it("writes the same bytes as the generated encoder for chunks of every length", () => {
    for (const size of sizes) {
      const value = randomBytes(size);
      const put: minio.PutObjectRequest = { payload: { $case: "chunkData", value } };
      expect(same(putEncode(put).finish(), minio.PutObjectRequest.encode(put).finish())).toBe(true);
      const part: minio.UploadPartRequest = { payload: { $case: "chunk", value } };
      expect(same(partEncode(part).finish(), minio.UploadPartRequest.encode(part).finish())).toBe(
        true,
      );
    }
  });

  it("leaves messages other than the chunk to the generated encoder", () => {
    const metadata = minio.PutObjectRequest.fromPartial({
      payload: { $case: "metadata", value: { bucketName: "b", objectKey: "k" } },
    });
    const encoded = putEncode(metadata).finish();
    expect(minio.PutObjectRequest.decode(encoded)).toEqual(metadata);
    expect(Buffer.from(encoded)).toEqual(
      Buffer.from(minio.PutObjectRequest.encode(metadata).finish()),
    );
  });

  it("decodes back to the chunk it was given", () => {
    const value = randomBytes(70_000);
    const decoded = minio.PutObjectRequest.decode(
      putEncode({ payload: { $case: "chunkData", value } }).finish(),
    );
    if (decoded.payload?.$case !== "chunkData") throw new Error("not a chunk");
    expect(same(decoded.payload.value, value)).toBe(true);
  });
});

describe("encodeBytesField", () => {
  it("is a buffer of exactly the message that Buffer.from wraps without copying", () => {
    const encoded = encodeBytesField(2, randomBytes(300_000));
    expect(encoded.buffer.byteLength).toBe(encoded.byteLength);
    const wrapped = Buffer.from(encoded);
    expect(wrapped.buffer).toBe(encoded.buffer);
    expect(same(wrapped, encoded)).toBe(true);
  });

  it("writes multi-byte tags for large field numbers", () => {
    expect([...encodeBytesField(16, Uint8Array.of(7))]).toEqual([0x82, 0x01, 0x01, 0x07]);
  });

  it("rejects a field number protobuf cannot carry", () => {
    expect(() => encodeBytesField(0, new Uint8Array(1))).toThrow(RangeError);
    expect(() => encodeBytesField(2 ** 29, new Uint8Array(1))).toThrow(RangeError);
  });
});

describe("allocBytesField", () => {
  it("gives room whose message encodes to the generated encoder's bytes without a copy", () => {
    for (const size of sizes) {
      const room = allocBytesField(2, size);
      randomBytes(size).copy(room);
      const message: minio.GetObjectResponse = { payload: { $case: "chunkData", value: room } };
      const encoded = encodeBytesField(2, room);
      expect(encoded.buffer).toBe(room.buffer);
      expect(encoded.buffer.byteLength).toBe(encoded.byteLength);
      expect(Buffer.from(encoded).buffer).toBe(room.buffer);
      expect(same(encoded, minio.GetObjectResponse.encode(message).finish())).toBe(true);
    }
  });

  it("is copied like any other bytes when cut shorter or sent as another field", () => {
    const room = allocBytesField(2, 1000);
    room.fill(9);
    const shorter = encodeBytesField(2, room.subarray(0, 10));
    expect(shorter.buffer).not.toBe(room.buffer);
    expect([...shorter]).toEqual([0x12, 10, ...new Array(10).fill(9)]);
    const other = encodeBytesField(3, room);
    expect(other.buffer).not.toBe(room.buffer);
    expect(same(other.subarray(3), room)).toBe(true);
  });

  it("reports each encoding of its room to onEncoded, and no other", () => {
    let encoded = 0;
    const room = allocBytesField(2, 10, () => encoded++);
    encodeBytesField(2, room.subarray(1));
    encodeBytesField(3, room);
    expect(encoded).toBe(0);
    encodeBytesField(2, room);
    expect(encoded).toBe(1);
  });

  it("rejects a length that is not a byte count", () => {
    expect(() => allocBytesField(2, -1)).toThrow(RangeError);
    expect(() => allocBytesField(2, 1.5)).toThrow(RangeError);
  });
});
