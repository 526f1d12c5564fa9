import { describe, expect, it } from "vitest";
import { ndjsonBatches } from "./ndjson.js";

function streamOf(chunks: Array<string | Uint8Array>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) {
        controller.enqueue(typeof chunk === "string" ? encoder.encode(chunk) : chunk);
      }
      controller.close();
    },
  });
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<unknown[][]> {
  const batches: unknown[][] = [];
  for await (const batch of ndjsonBatches(stream)) batches.push(batch);
  return batches;
}

describe("ndjsonBatches", () => {
  it("yields one batch per chunk of whole lines", async () => {
    expect(await collect(streamOf(['{"a":1}\n{"a":2}\n', '{"a":3}\n']))).toEqual([
      [{ a: 1 }, { a: 2 }],
      [{ a: 3 }],
    ]);
  });

  it("joins a line split across chunks, and a character split across bytes", async () => {
    const bytes = new TextEncoder().encode('{"city":"Zürich"}\n');
    const cut = bytes.indexOf(0xc3) + 1;
    const batches = await collect(
      streamOf(['{"n":"92233720368', '54775807"}\n', bytes.slice(0, cut), bytes.slice(cut)]),
    );
    expect(batches.flat()).toEqual([{ n: "9223372036854775807" }, { city: "Zürich" }]);
  });

  it("parses a final line without its newline and skips blank lines", async () => {
    expect((await collect(streamOf(['{"a":1}\n\n', '{"a":2}']))).flat()).toEqual([
      { a: 1 },
      { a: 2 },
    ]);
  });

  it("fails on a line that is not JSON", async () => {
    await expect(collect(streamOf(["{oops\n"]))).rejects.toThrow(SyntaxError);
  });
});
