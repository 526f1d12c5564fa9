import { describe, expect, it } from "vitest";
import { rechunk } from "./rechunk.js";

async function* from(pieces: Array<Uint8Array | string>) {
  yield* pieces;
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const chunk of source) out.push(Uint8Array.from(chunk));
  return out;
}

const bytes = (...values: number[]) => Uint8Array.from(values);

describe("rechunk", () => {
  it("gathers small pieces into chunks of exactly the requested size", async () => {
    const chunks = await collect(rechunk(from([bytes(1), bytes(2, 3), bytes(4), bytes(5)]), 2));
    expect(chunks).toEqual([bytes(1, 2), bytes(3, 4), bytes(5)]);
  });

  it("slices a large piece into several chunks", async () => {
    const chunks = await collect(rechunk(from([bytes(1, 2, 3, 4, 5, 6, 7)]), 3));
    expect(chunks).toEqual([bytes(1, 2, 3), bytes(4, 5, 6), bytes(7)]);
  });

  it("encodes string pieces as UTF-8", async () => {
    const chunks = await collect(rechunk(from(["hé", "llo"]), 4));
    expect(Buffer.concat(chunks).toString("utf8")).toBe("héllo");
    expect(chunks.map((c) => c.byteLength)).toEqual([4, 2]);
  });

  it("yields nothing for an empty source or empty pieces", async () => {
    expect(await collect(rechunk(from([]), 4))).toEqual([]);
    expect(await collect(rechunk(from([new Uint8Array(0)]), 4))).toEqual([]);
  });

  it("does not reuse a buffer it already handed out", async () => {
    const seen: Uint8Array[] = [];
    for await (const chunk of rechunk(from([bytes(1), bytes(2), bytes(3), bytes(4)]), 2)) {
      seen.push(chunk);
    }
    // Compared after the loop: a reused buffer would show its last contents in both.
    expect(seen.map((c) => Uint8Array.from(c))).toEqual([bytes(1, 2), bytes(3, 4)]);
  });

  it("passes a piece already in range through as the same object", async () => {
    const room = bytes(1, 2, 3);
    const seen: Uint8Array[] = [];
    for await (const chunk of rechunk(from([room, bytes(4)]), 2, 4)) seen.push(chunk);
    expect(seen[0]).toBe(room);
    expect(seen.slice(1).map((c) => Uint8Array.from(c))).toEqual([bytes(4)]);
  });

  it("joins pieces until at least min bytes and never yields more than max", async () => {
    const chunks = await collect(
      rechunk(from([bytes(1), bytes(2), bytes(3, 4, 5), bytes(6, 7, 8, 9, 10, 11)]), 3, 4),
    );
    expect(chunks).toEqual([bytes(1, 2, 3, 4), bytes(5, 6, 7, 8), bytes(9, 10, 11)]);
  });

  it("refuses sizes that cannot make progress", async () => {
    await expect(collect(rechunk(from([bytes(1)]), 0))).rejects.toThrow(RangeError);
    await expect(collect(rechunk(from([bytes(1)]), 4, 2))).rejects.toThrow(RangeError);
  });
});
