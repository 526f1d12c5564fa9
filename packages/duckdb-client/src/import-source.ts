import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";

/** What `importData` reads: a file path, bytes, or any stream of bytes. */
export type ImportSource =
  | string
  | Uint8Array
  | NodeJS.ReadableStream
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array | string>;

export interface OpenedSource {
  /** Bytes in the source, when known before reading it. */
  size?: number;
  chunks: AsyncIterable<Uint8Array>;
}

/**
 * Opens a source as chunks of at most `chunkSize` bytes. Small pieces are gathered
 * up to `chunkSize` so a stream of tiny writes does not become a message each;
 * at most one chunk is held, so memory stays bounded whatever the source's size.
 */
export async function openImportSource(
  source: ImportSource,
  chunkSize: number,
): Promise<OpenedSource> {
  if (typeof source === "string") {
    // stat first: a missing file fails before the call, not as a half-sent stream.
    const info = await stat(source);
    if (!info.isFile()) throw new Error(`${source} is not a file`);
    return {
      size: info.size,
      chunks: rechunk(createReadStream(source, { highWaterMark: chunkSize }), chunkSize),
    };
  }
  if (source instanceof Uint8Array) {
    return { size: source.byteLength, chunks: rechunk([source], chunkSize) };
  }
  if (isAsyncIterable(source)) return { chunks: rechunk(source, chunkSize) };
  throw new TypeError(
    "importData reads a file path, a Buffer/Uint8Array, a Node or web ReadableStream, or an async iterable of Uint8Array",
  );
}

async function* rechunk(
  source: AsyncIterable<unknown> | Iterable<Uint8Array>,
  chunkSize: number,
): AsyncGenerator<Uint8Array> {
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  for await (const piece of source) {
    let bytes = toBytes(piece);
    while (bytes.byteLength > 0) {
      const take = Math.min(bytes.byteLength, chunkSize - pendingBytes);
      pending.push(bytes.subarray(0, take));
      pendingBytes += take;
      bytes = bytes.subarray(take);
      if (pendingBytes === chunkSize) {
        yield concat(pending, pendingBytes);
        pending = [];
        pendingBytes = 0;
      }
    }
  }
  if (pendingBytes > 0) yield concat(pending, pendingBytes);
}

function toBytes(piece: unknown): Uint8Array {
  if (piece instanceof Uint8Array) return piece;
  if (typeof piece === "string") return Buffer.from(piece, "utf8");
  throw new TypeError(`importData got a ${typeof piece} from its stream, expected bytes`);
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function"
  );
}
