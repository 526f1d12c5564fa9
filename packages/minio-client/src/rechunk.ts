/**
 * Reshapes a byte stream into chunks of exactly `size` bytes (the last may be
 * shorter). Large input chunks are sliced without copying; small ones are
 * gathered into one buffer, so that a stream of tiny writes does not turn into a
 * gRPC message per write. At most one chunk is held, which keeps memory bounded
 * whatever the source's chunking.
 */
export async function* rechunk(
  source: AsyncIterable<Uint8Array | string>,
  size: number,
): AsyncGenerator<Uint8Array, void, undefined> {
  let pending: Uint8Array | undefined;
  let filled = 0;
  for await (const piece of source) {
    let input = typeof piece === "string" ? Buffer.from(piece, "utf8") : piece;
    while (input.byteLength > 0) {
      if (filled === 0 && input.byteLength >= size) {
        yield input.subarray(0, size);
        input = input.subarray(size);
        continue;
      }
      pending ??= new Uint8Array(size);
      const take = Math.min(size - filled, input.byteLength);
      pending.set(input.subarray(0, take), filled);
      filled += take;
      input = input.subarray(take);
      if (filled === size) {
        // The consumer may keep the chunk (gRPC queues it), so a fresh buffer follows.
        yield pending;
        pending = undefined;
        filled = 0;
      }
    }
  }
  if (pending !== undefined && filled > 0) yield pending.subarray(0, filled);
}
