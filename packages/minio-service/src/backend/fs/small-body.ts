/**
 * Bodies up to this many bytes are taken whole before anything is written, so the data
 * file and the sidecar can be written and fsynced together (one round of fsyncs, which
 * the filesystem's journal can share, instead of two in a row). Memory: at most this much
 * per upload in flight, beyond what the gRPC stream holds anyway.
 */
export const SMALL_BODY_BYTES = 64 * 1024;

/**
 * The whole body when it ends within `limit` bytes; else the same body, whose chunks read
 * so far are given again first (an iterator that stops early is closed).
 */
export async function takeSmallBody(
  body: AsyncIterable<Uint8Array>,
  limit = SMALL_BODY_BYTES,
): Promise<{ whole: Uint8Array[]; size: number } | { rest: AsyncIterable<Uint8Array> }> {
  const iterator = body[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let size = 0;
  while (size <= limit) {
    const next = await iterator.next();
    if (next.done) return { whole: head, size };
    head.push(next.value);
    size += next.value.byteLength;
  }
  return { rest: replay(head, iterator) };
}

async function* replay(
  head: Uint8Array[],
  iterator: AsyncIterator<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  let finished = false;
  try {
    yield* head;
    for (;;) {
      const next = await iterator.next();
      if (next.done) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!finished) await iterator.return?.();
  }
}
