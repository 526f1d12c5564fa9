/**
 * The generated ts-proto encoders grow their buffer by doubling from a small start, so one
 * 1 MiB chunk message costs a zero-filled 2 MiB buffer, a 1 MiB copy out of it in
 * `finish()`, and another copy when nice-grpc turns the result into a Buffer
 * (`Buffer.from(uint8Array)`). For a stream of chunks that is most of the encoding CPU.
 */

/** What ts-proto's `encode(message).finish()` gives and nice-grpc consumes. */
interface Finishable {
  finish(): Uint8Array;
}

/**
 * A drop-in `encode` for a ts-proto message type whose large messages are a single bytes
 * field (a stream's `chunk_data`). When `bytesOf(message)` returns the bytes, the message is
 * written as that one field into one uninitialized buffer of exactly its size, handed on
 * without further copies; any other message, or a call that brings its own writer, goes to
 * the generated `encode`. The bytes on the wire are identical.
 *
 * ```ts
 * const GetObjectResponse = {
 *   ...minio.GetObjectResponse,
 *   encode: fastBytesEncode(minio.GetObjectResponse, 2, (m) =>
 *     m.payload?.$case === "chunkData" ? m.payload.value : undefined),
 * };
 * ```
 */
export function fastBytesEncode<T, W extends Finishable>(
  type: { encode(message: T, writer?: W): W },
  fieldNumber: number,
  bytesOf: (message: T) => Uint8Array | undefined,
): (message: T, writer?: W) => W {
  return (message, writer) => {
    const bytes = writer ? undefined : bytesOf(message);
    if (bytes === undefined) return type.encode(message, writer);
    const encoded = encodeBytesField(fieldNumber, bytes);
    // Only `finish()` is ever called on the result of a top-level encode.
    return { finish: () => encoded } as unknown as W;
  };
}

/**
 * `bytes` as protobuf field `fieldNumber` (wire type 2: tag, varint length, bytes) in a
 * Buffer of exactly that size with an ArrayBuffer of its own. Its `valueOf()` returns that
 * ArrayBuffer, which `Buffer.from` (what nice-grpc calls on every encoded message) wraps
 * instead of copying; to anything else it is an ordinary Buffer.
 *
 * When `bytes` is the very view `allocBytesField(fieldNumber, n)` returned, its message is
 * already in place around it and is returned as it is: no allocation, no copy.
 */
export function encodeBytesField(fieldNumber: number, bytes: Uint8Array): Buffer {
  const framed = preframed.get(bytes);
  if (framed?.fieldNumber === fieldNumber) {
    framed.onEncoded?.();
    return framed.message;
  }
  const out = allocMessage(fieldNumber, bytes.byteLength);
  out.set(bytes, out.byteLength - bytes.byteLength);
  return out;
}

/** Views handed out by `allocBytesField`, with the message each sits at the end of. */
const preframed = new WeakMap<
  Uint8Array,
  { fieldNumber: number; message: Buffer; onEncoded: (() => void) | undefined }
>();

/**
 * Room for `length` bytes that will travel as protobuf field `fieldNumber`: a Buffer to fill
 * (a file read straight into it, say) that sits at the end of its own message, tag and
 * length already written in front. Handed to `encodeBytesField` (so to `fastBytesEncode`)
 * whole and unchanged in length, it is sent without the 1 MiB allocation and copy per chunk
 * that encoding otherwise costs; used any other way it is an ordinary Buffer.
 *
 * `onEncoded` is called each time it is encoded that way: in grpc-js, when the message
 * leaves the call's queue for the connection, so a producer can see how far ahead it is.
 */
export function allocBytesField(
  fieldNumber: number,
  length: number,
  onEncoded?: () => void,
): Buffer {
  const message = allocMessage(fieldNumber, length);
  const body = message.subarray(message.byteLength - length);
  preframed.set(body, { fieldNumber, message, onEncoded });
  return body;
}

/** An uninitialized message of one bytes field of `length` bytes, header written. */
function allocMessage(fieldNumber: number, length: number): Buffer {
  if (!Number.isInteger(fieldNumber) || fieldNumber < 1 || fieldNumber > 0x1fffffff) {
    throw new RangeError(`field number ${fieldNumber} is not a protobuf field number`);
  }
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(`${length} is not a byte length`);
  }
  const tag = fieldNumber * 8 + 2;
  const headerSize = varintSize(tag) + varintSize(length);
  // allocUnsafeSlow: never a slice of the shared pool, so `.buffer` is exactly this message.
  const out = Buffer.allocUnsafeSlow(headerSize + length);
  writeVarint(out, writeVarint(out, 0, tag), length);
  Object.defineProperty(out, "valueOf", { value: () => out.buffer });
  return out;
}

function varintSize(value: number): number {
  let size = 1;
  for (let rest = Math.floor(value / 128); rest > 0; rest = Math.floor(rest / 128)) size++;
  return size;
}

function writeVarint(out: Buffer, pos: number, value: number): number {
  let rest = value;
  while (rest > 0x7f) {
    out[pos++] = (rest % 128) | 0x80;
    rest = Math.floor(rest / 128);
  }
  out[pos++] = rest;
  return pos;
}
