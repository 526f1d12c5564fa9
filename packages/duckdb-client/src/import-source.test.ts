import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openImportSource } from "./import-source.js";

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const chunk of chunks) out.push(chunk);
  return out;
}

describe("openImportSource", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "duckdb-client-source-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads a file in chunks of at most chunkSize and knows its size", async () => {
    const path = join(dir, "f.csv");
    await writeFile(path, "x".repeat(10_000));
    const opened = await openImportSource(path, 4096);
    expect(opened.size).toBe(10_000);
    const chunks = await collect(opened.chunks);
    expect(chunks.map((c) => c.byteLength)).toEqual([4096, 4096, 1808]);
  });

  it("fails before reading when the file is missing or a directory", async () => {
    await expect(openImportSource(join(dir, "missing.csv"), 10)).rejects.toThrow(/ENOENT/);
    await expect(openImportSource(dir, 10)).rejects.toThrow(/is not a file/);
  });

  it("splits a large buffer into views without copying it", async () => {
    const buf = Buffer.alloc(10, 1);
    const opened = await openImportSource(buf, 4);
    expect(opened.size).toBe(10);
    const chunks = await collect(opened.chunks);
    expect(chunks.map((c) => c.byteLength)).toEqual([4, 4, 2]);
    expect(chunks[0]!.buffer).toBe(buf.buffer);
  });

  it("gathers small pieces of a stream up to chunkSize", async () => {
    const opened = await openImportSource(Readable.from(["ab", "cd", "e", Buffer.from("fgh")]), 3);
    expect(opened.size).toBeUndefined();
    const chunks = await collect(opened.chunks);
    expect(chunks.map((c) => Buffer.from(c).toString())).toEqual(["abc", "def", "gh"]);
  });

  it("reads web ReadableStreams and async iterables", async () => {
    const web = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("hello"));
        controller.close();
      },
    });
    expect((await collect((await openImportSource(web, 2)).chunks)).length).toBe(3);
    async function* gen() {
      yield new Uint8Array([1, 2]);
    }
    expect(await collect((await openImportSource(gen(), 8)).chunks)).toEqual([
      new Uint8Array([1, 2]),
    ]);
  });

  it("rejects sources it cannot read, and non-bytes inside a stream", async () => {
    await expect(openImportSource(42 as unknown as string, 8)).rejects.toThrow(/importData reads/);
    async function* bad() {
      yield 5 as unknown as Uint8Array;
    }
    await expect(collect((await openImportSource(bad(), 8)).chunks)).rejects.toThrow(
      /got a number/,
    );
  });
});
