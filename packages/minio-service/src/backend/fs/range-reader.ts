import type { FileHandle } from "node:fs/promises";
import { Readable } from "node:stream";
import type { ReadChunking } from "../backend.js";

/**
 * The bytes of `range` as chunks of `chunkBytes`, each read straight into a buffer from
 * `alloc` and handed on as it is; one read ahead of the consumer. Closes the file when it
 * ends or is destroyed.
 */
export function rangeReader(
  handle: FileHandle,
  range: { start: number; end: number },
  { chunkBytes, alloc }: ReadChunking,
): Readable {
  let position = range.start;
  return new Readable({
    // Object mode keeps every chunk the very buffer it was read into (no joins or splits).
    objectMode: true,
    highWaterMark: 1,
    read() {
      const size = Math.min(chunkBytes, range.end - position);
      if (size <= 0) {
        this.push(null);
        return;
      }
      readFully(handle, alloc(size), position).then(
        (chunk) => {
          position += chunk.byteLength;
          // Shorter than the sidecar says: end here; the client sees the object came up short.
          if (chunk.byteLength > 0) this.push(chunk);
          if (chunk.byteLength < size) this.push(null);
        },
        (err: unknown) => this.destroy(err as Error),
      );
    },
    destroy(err, callback) {
      // FileHandle.close waits for a read still in flight.
      handle.close().then(
        () => callback(err),
        (closeErr: unknown) => callback(err ?? (closeErr as Error)),
      );
    },
  });
}

/** Fills `buffer` from `position`; a shorter view when the file ends first. */
async function readFully(
  handle: FileHandle,
  buffer: Uint8Array,
  position: number,
): Promise<Uint8Array> {
  let filled = 0;
  while (filled < buffer.byteLength) {
    const { bytesRead } = await handle.read(
      buffer,
      filled,
      buffer.byteLength - filled,
      position + filled,
    );
    if (bytesRead === 0) return buffer.subarray(0, filled);
    filled += bytesRead;
  }
  return buffer;
}
