import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { rechunk } from "@isa-cloud/rpc/wire";

/** Everything putObject accepts as the object's content. */
export type ObjectBody =
  | Buffer
  | Uint8Array
  | string
  | NodeJS.ReadableStream
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array>
  | { path: string };

export interface BodySource {
  /** Chunks of at most the requested size, read lazily: nothing is buffered ahead. */
  chunks: AsyncIterable<Uint8Array>;
  /** Known up front for bytes, strings and files; undefined for streams. */
  size: number | undefined;
}

/**
 * Turns any accepted body into a lazy chunk iterator. Streams are consumed only
 * as fast as gRPC sends (nice-grpc waits for `drain`), so memory stays at a few
 * chunks whatever the object's size.
 */
export async function bodySource(body: ObjectBody, chunkSize: number): Promise<BodySource> {
  if (typeof body === "string") {
    const bytes = Buffer.from(body, "utf8");
    return { chunks: sliceBytes(bytes, chunkSize), size: bytes.byteLength };
  }
  if (body instanceof Uint8Array) {
    return { chunks: sliceBytes(body, chunkSize), size: body.byteLength };
  }
  if (isWebStream(body)) {
    return { chunks: rechunk(readWebStream(body), chunkSize), size: undefined };
  }
  if (isAsyncIterable(body)) {
    // Node Readables are async iterables too; a Readable with an encoding set yields strings.
    return {
      chunks: rechunk(body as AsyncIterable<Uint8Array | string>, chunkSize),
      size: undefined,
    };
  }
  if (isPathBody(body)) {
    const { size } = await stat(body.path);
    return { chunks: readFileRange(body.path, 0, size, chunkSize), size };
  }
  throw new TypeError(
    "body must be a Buffer, Uint8Array, string, Node Readable, web ReadableStream, async iterable or { path }",
  );
}

/** Reads `length` bytes of a file from `offset`, in chunks of `chunkSize`. */
export function readFileRange(
  path: string,
  offset: number,
  length: number,
  chunkSize: number,
): AsyncIterable<Uint8Array> {
  if (length === 0) return sliceBytes(new Uint8Array(0), chunkSize);
  // highWaterMark = chunkSize makes fs hand out whole chunks, so rechunk rarely copies.
  const stream = createReadStream(path, {
    start: offset,
    end: offset + length - 1,
    highWaterMark: chunkSize,
  });
  return rechunk(stream, chunkSize);
}

/**
 * Reports the bytes the consumer has taken so far. The count moves when the
 * consumer asks for the next chunk, i.e. after gRPC accepted the previous one,
 * so it tracks what was sent rather than what was read.
 */
export async function* withProgress(
  chunks: AsyncIterable<Uint8Array>,
  onProgress: ((bytes: number) => void) | undefined,
): AsyncGenerator<Uint8Array, void, undefined> {
  let bytes = 0;
  for await (const chunk of chunks) {
    yield chunk;
    bytes += chunk.byteLength;
    onProgress?.(bytes);
  }
}

async function* sliceBytes(
  bytes: Uint8Array,
  chunkSize: number,
): AsyncGenerator<Uint8Array, void, undefined> {
  for (let at = 0; at < bytes.byteLength; at += chunkSize) {
    yield bytes.subarray(at, at + chunkSize);
  }
}

async function* readWebStream(
  stream: ReadableStream<Uint8Array>,
): AsyncGenerator<Uint8Array, void, undefined> {
  const reader = stream.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    // Stopping early (abort, server error) must cancel the source, not leave it paused.
    await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

function isWebStream(body: object): body is ReadableStream<Uint8Array> {
  return typeof (body as Partial<ReadableStream>).getReader === "function";
}

function isAsyncIterable(body: object): body is AsyncIterable<unknown> {
  return typeof (body as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === "function";
}

function isPathBody(body: object): body is { path: string } {
  return typeof (body as { path?: unknown }).path === "string";
}
