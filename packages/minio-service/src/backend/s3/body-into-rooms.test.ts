import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { ReadChunking } from "../backend.js";
import { bodyIntoRooms } from "./body-into-rooms.js";

/** Rooms as GetObject hands them out, remembered so the test can tell them apart. */
function recordingChunking(chunkBytes: number): ReadChunking & { rooms: Uint8Array[] } {
  const rooms: Uint8Array[] = [];
  return {
    chunkBytes,
    rooms,
    alloc(size) {
      const room = new Uint8Array(size);
      rooms.push(room);
      return room;
    },
  };
}

/** `bytes` cut into pieces of the given sizes, cycled, as a socket would hand them over. */
function pieces(bytes: Buffer, sizes: number[]): Readable {
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length] as number;
    out.push(bytes.subarray(at, at + size));
    at += size;
  }
  return Readable.from(out);
}

async function collect(body: Readable): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return chunks;
}

describe("bodyIntoRooms", () => {
  it("hands on the exact bytes in full rooms from alloc, the last one sized to what is left", async () => {
    const bytes = randomBytes(5 * 1000 + 123);
    const chunking = recordingChunking(1000);
    const chunks = await collect(
      bodyIntoRooms(pieces(bytes, [1, 333, 4096, 17]), bytes.length, chunking),
    );
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
    expect(chunks.map((c) => c.byteLength)).toEqual([1000, 1000, 1000, 1000, 1000, 123]);
    // Each chunk is the very room alloc gave, so GetObject sends it without a copy.
    expect(chunks).toHaveLength(chunking.rooms.length);
    chunks.forEach((chunk, i) => {
      expect(chunk).toBe(chunking.rooms[i]);
    });
  });

  it("ends with no chunk for an empty body", async () => {
    const chunking = recordingChunking(1000);
    expect(await collect(bodyIntoRooms(Readable.from([]), 0, chunking))).toEqual([]);
    expect(chunking.rooms).toEqual([]);
  });

  it("hands on what came when the store sends less than it announced", async () => {
    const bytes = randomBytes(2500);
    const chunks = await collect(
      bodyIntoRooms(pieces(bytes, [700]), 4000, recordingChunking(1000)),
    );
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
  });

  it("fails when the store sends more than it announced", async () => {
    const bytes = randomBytes(2500);
    await expect(
      collect(bodyIntoRooms(pieces(bytes, [700]), 2000, recordingChunking(1000))),
    ).rejects.toThrow(/more than the 2000 bytes/);
  });

  it("destroys the store's body when the reader stops early", async () => {
    const source = pieces(randomBytes(10_000), [100]);
    const body = bodyIntoRooms(source, 10_000, recordingChunking(1000));
    for await (const _ of body) break;
    await new Promise((resolve) => setImmediate(resolve));
    expect(source.destroyed).toBe(true);
  });
});
