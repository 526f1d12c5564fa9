import { MinIOServiceDefinition, minio } from "@isa-cloud/proto";

/**
 * MinIOServiceDefinition with a faster encoder for GetObject's chunk messages; the bytes on
 * the wire are identical. The generated encoder grows its buffer by doubling from 128 bytes,
 * so a 1 MiB chunk costs a zero-filled 2 MiB buffer and a 1 MiB copy out of it, and
 * nice-grpc then copies the result once more (`Buffer.from(uint8Array)`). This one writes
 * the tag and length in front of a single uninitialized buffer of the exact size and hands
 * nice-grpc its ArrayBuffer, which `Buffer.from` wraps without copying. In a profile of a
 * 1 GiB download, the generated path's allocation and copying were most of the service's CPU.
 */
export const FastMinIOServiceDefinition: typeof MinIOServiceDefinition = {
  ...MinIOServiceDefinition,
  methods: {
    ...MinIOServiceDefinition.methods,
    getObject: {
      ...MinIOServiceDefinition.methods.getObject,
      responseType: {
        ...minio.GetObjectResponse,
        encode(message, writer) {
          const payload = message.payload;
          if (writer || payload?.$case !== "chunkData")
            return minio.GetObjectResponse.encode(message, writer);
          const bytes = encodeChunkMessage(payload.value);
          // An ArrayBuffer of exactly the message (see above); typed as what finish() declares.
          return { finish: () => bytes.buffer as unknown as Uint8Array } as ReturnType<
            typeof minio.GetObjectResponse.encode
          >;
        },
      },
    },
  },
};

/** `GetObjectResponse { chunk_data = 2 }` encoded: tag 0x12, varint length, the bytes. */
export function encodeChunkMessage(chunk: Uint8Array): Uint8Array {
  let length = chunk.byteLength;
  let headerSize = 2;
  for (let rest = length >>> 7; rest > 0; rest >>>= 7) headerSize++;
  // allocUnsafeSlow: a buffer of its own (never a slice of the shared pool), so `.buffer` is exactly it.
  const out = Buffer.allocUnsafeSlow(headerSize + chunk.byteLength);
  out[0] = 0x12;
  let pos = 1;
  while (length > 0x7f) {
    out[pos++] = (length & 0x7f) | 0x80;
    length >>>= 7;
  }
  out[pos++] = length;
  out.set(chunk, pos);
  return out;
}
