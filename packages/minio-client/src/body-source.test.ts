import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bodySource, readFileRange, withProgress } from "./body-source.js";

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of source) chunks.push(Uint8Array.from(chunk));
  return Buffer.concat(chunks);
}

async function sizes(source: AsyncIterable<Uint8Array>): Promise<number[]> {
  const out: number[] = [];
  for await (const chunk of source) out.push(chunk.byteLength);
  return out;
}

const content = Buffer.from("0123456789abcdefghij");

describe("bodySource", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "minio-client-body-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("slices a Buffer into chunks and knows its size", async () => {
    const source = await bodySource(content, 8);
    expect(source.size).toBe(20);
    expect(await sizes(source.chunks)).toEqual([8, 8, 4]);
  });

  it("sends a string as UTF-8 with its byte length", async () => {
    const source = await bodySource("héllo", 4);
    expect(source.size).toBe(6);
    expect((await collect(source.chunks)).toString("utf8")).toBe("héllo");
  });

  it("rechunks a Node Readable and leaves its size unknown", async () => {
    const source = await bodySource(
      Readable.from([content.subarray(0, 3), content.subarray(3)]),
      8,
    );
    expect(source.size).toBeUndefined();
    expect(await sizes(source.chunks)).toEqual([8, 8, 4]);
  });

  it("reads a Readable that has an encoding set", async () => {
    const readable = Readable.from([Buffer.from("héllo")]);
    readable.setEncoding("utf8");
    const source = await bodySource(readable, 4);
    expect((await collect(source.chunks)).toString("utf8")).toBe("héllo");
  });

  it("reads a web ReadableStream", async () => {
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(content.subarray(0, 5));
        controller.enqueue(content.subarray(5));
        controller.close();
      },
    });
    const source = await bodySource(stream, 16);
    expect(await collect(source.chunks)).toEqual(content);
  });

  it("cancels a web ReadableStream when the consumer stops early", async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new Uint8Array(4));
      },
      cancel() {
        cancelled = true;
      },
    });
    const source = await bodySource(stream, 4);
    for await (const _ of source.chunks) break;
    expect(cancelled).toBe(true);
  });

  it("reads an async iterable", async () => {
    async function* gen() {
      yield content.subarray(0, 10);
      yield content.subarray(10);
    }
    const source = await bodySource(gen(), 7);
    expect(await sizes(source.chunks)).toEqual([7, 7, 6]);
  });

  it("reads a file given as { path } and knows its size", async () => {
    const path = join(dir, "body.bin");
    await writeFile(path, content);
    const source = await bodySource({ path }, 6);
    expect(source.size).toBe(20);
    expect(await collect(source.chunks)).toEqual(content);
  });

  it("reads an empty file as no chunks", async () => {
    const path = join(dir, "empty.bin");
    await writeFile(path, "");
    const source = await bodySource({ path }, 6);
    expect(source.size).toBe(0);
    expect(await sizes(source.chunks)).toEqual([]);
  });

  it("rejects a missing file with the file system's error", async () => {
    await expect(bodySource({ path: join(dir, "missing") }, 6)).rejects.toMatchObject({
      code: "ENOENT",
    });
  });

  it("refuses a body of an unsupported type", async () => {
    await expect(bodySource(42 as never, 6)).rejects.toThrow(TypeError);
  });
});

describe("readFileRange", () => {
  it("reads exactly the requested byte range of a file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "minio-client-range-"));
    try {
      const path = join(dir, "f.bin");
      await writeFile(path, content);
      expect((await collect(readFileRange(path, 5, 9, 4))).toString()).toBe("56789abcd");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("withProgress", () => {
  it("reports increasing byte counts that end at the total", async () => {
    const seen: number[] = [];
    const source = await bodySource(content, 8);
    await collect(withProgress(source.chunks, (bytes) => seen.push(bytes)));
    expect(seen).toEqual([8, 16, 20]);
  });
});
