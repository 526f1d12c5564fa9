/**
 * Re-cuts a byte stream into chunks of `min` to `max` bytes (the last may be smaller);
 * `max` defaults to `min`, giving chunks of exactly that size. Small pieces (an HTTP
 * body's 16-64 KiB, a stream of tiny writes) are joined so each gRPC message carries
 * enough to be worth its overhead; large ones are sliced without copying. A piece already
 * in range, arriving when nothing is pending, passes through as the very same object: it
 * may be a message's preallocated room (see `allocBytesField`). Less than `min` bytes are
 * ever held, and a buffer handed out is never written again (gRPC may still queue it).
 */
export async function* rechunk(
  source: AsyncIterable<Uint8Array | string>,
  min: number,
  max: number = min,
): AsyncGenerator<Uint8Array, void, undefined> {
  if (!(Number.isSafeInteger(min) && min > 0 && Number.isSafeInteger(max) && max >= min)) {
    throw new RangeError(`rechunk needs integers 0 < min <= max, got min ${min}, max ${max}`);
  }
  let pending: Buffer[] = [];
  let size = 0;
  for await (const raw of source) {
    if (size === 0 && typeof raw !== "string" && raw.byteLength >= min && raw.byteLength <= max) {
      yield raw;
      continue;
    }
    let chunk =
      typeof raw === "string"
        ? Buffer.from(raw, "utf8")
        : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    while (chunk.length > 0) {
      if (size === 0 && chunk.length >= min) {
        const piece = chunk.subarray(0, max);
        chunk = chunk.subarray(piece.length);
        yield piece;
        continue;
      }
      const take = Math.min(chunk.length, max - size);
      pending.push(chunk.subarray(0, take));
      size += take;
      chunk = chunk.subarray(take);
      if (size >= min) {
        yield Buffer.concat(pending, size);
        pending = [];
        size = 0;
      }
    }
  }
  if (size > 0) yield Buffer.concat(pending, size);
}
