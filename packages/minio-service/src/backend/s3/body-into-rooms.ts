import { Readable } from "node:stream";
import type { ReadChunking } from "../backend.js";

/**
 * A store response's body re-cut into `chunking`'s rooms: each piece the socket hands us
 * (16-64 KiB) is copied once, into the buffer its gRPC message is sent from, and every
 * room but the last is full. Without this the pieces were joined into a new buffer
 * (`rechunk`) and copied again into a new message, two allocations and two copies per MiB,
 * and the allocations were what kept V8 collecting. `length` is the response's
 * Content-Length: it sizes the last room. Destroying the result destroys `source`.
 */
export function bodyIntoRooms(source: Readable, length: number, chunking: ReadChunking): Readable {
  // Object mode keeps every chunk the very room it was filled in; one ahead of the consumer.
  return Readable.from(fill(source, length, chunking), { objectMode: true, highWaterMark: 1 });
}

async function* fill(
  source: Readable,
  length: number,
  { chunkBytes, alloc }: ReadChunking,
): AsyncGenerator<Uint8Array> {
  let remaining = length;
  let room: Uint8Array | undefined;
  let filled = 0;
  try {
    for await (const piece of source as AsyncIterable<Uint8Array>) {
      for (let offset = 0; offset < piece.byteLength; ) {
        if (remaining === 0)
          throw new Error(`the S3 store sent more than the ${length} bytes it announced`);
        room ??= alloc(Math.min(chunkBytes, remaining));
        const take = Math.min(piece.byteLength - offset, room.byteLength - filled);
        room.set(piece.subarray(offset, offset + take), filled);
        offset += take;
        filled += take;
        if (filled === room.byteLength) {
          remaining -= filled;
          const full = room;
          room = undefined;
          filled = 0;
          yield full;
        }
      }
    }
    // Shorter than announced: hand on what came; the reader sees the object came up short.
    if (room && filled > 0) yield room.subarray(0, filled);
  } finally {
    source.destroy();
  }
}
