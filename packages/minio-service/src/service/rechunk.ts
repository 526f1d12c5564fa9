/**
 * Re-cuts a byte stream into messages of `min` to `max` bytes (the last may be smaller):
 * small reads (an HTTP body's 16-64 KiB) are joined so each gRPC message carries enough to
 * be worth its overhead, and chunks already in range pass through as the same objects.
 */
export async function* rechunk(
  source: AsyncIterable<Uint8Array | string>,
  min: number,
  max: number,
): AsyncGenerator<Uint8Array> {
  let pending: Buffer[] = [];
  let size = 0;
  for await (const raw of source) {
    if (size === 0 && typeof raw !== "string" && raw.byteLength >= min && raw.byteLength <= max) {
      // The very object read (it may be a message's preallocated room: see allocBytesField).
      yield raw;
      continue;
    }
    let chunk =
      typeof raw === "string"
        ? Buffer.from(raw)
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
