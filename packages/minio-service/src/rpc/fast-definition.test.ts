import { minio } from "@isa-cloud/proto";
import { describe, expect, it } from "vitest";
import { FastMinIOServiceDefinition } from "./fast-definition.js";

const { encode } = FastMinIOServiceDefinition.methods.getObject.responseType;

describe("the fast GetObject chunk encoding", () => {
  it.each([0, 1, 127, 128, 16_383, 16_384, 1024 * 1024, 2_097_151, 2_097_152])(
    "writes the same bytes as the generated encoder for a %i-byte chunk",
    (size) => {
      const chunk = Buffer.alloc(size, 7);
      const message: minio.GetObjectResponse = { payload: { $case: "chunkData", value: chunk } };
      const generated = Buffer.from(minio.GetObjectResponse.encode(message).finish());
      // nice-grpc wraps what finish() returns with Buffer.from, as here.
      const fast = Buffer.from(encode(message).finish());
      expect(fast.equals(generated)).toBe(true);
      const decoded = minio.GetObjectResponse.decode(fast).payload;
      expect(decoded?.$case === "chunkData" && Buffer.from(decoded.value).equals(chunk)).toBe(true);
    },
  );

  it("leaves metadata messages to the generated encoder", () => {
    const message: minio.GetObjectResponse = {
      payload: {
        $case: "metadata",
        value: {
          key: "k",
          size: 1n,
          etag: "e",
          contentType: "t",
          metadata: { a: "b" },
          storageClass: "STANDARD",
          versionId: "",
          ownerId: "o",
        },
      },
    };
    const fast = encode(message).finish();
    expect(
      Buffer.from(fast).equals(Buffer.from(minio.GetObjectResponse.encode(message).finish())),
    ).toBe(true);
  });
});
