import { describe, expect, it } from "vitest";
import { vectorOfValues } from "./column-vector.js";
import { QueryStream, type StreamChunk } from "./query-stream.js";

const columns = [{ name: "n", type: "INTEGER" }];

function chunk(values: number[]): StreamChunk<{ n: number }> {
  return {
    columns,
    rowCount: values.length,
    rows: () => values.map((n) => ({ n })),
    vectors: () => [vectorOfValues(columns[0]!, values)],
  };
}

function source(batches: number[][], log: string[]) {
  return async function* (): AsyncGenerator<StreamChunk<{ n: number }>> {
    try {
      for (const b of batches) yield chunk(b);
      log.push("ended");
    } finally {
      log.push("closed");
    }
  };
}

describe("QueryStream", () => {
  it("gives the rows of every batch in order, skipping empty batches", async () => {
    const log: string[] = [];
    const stream = new QueryStream(source([[], [1, 2], [], [3]], log));
    expect(stream.columns).toBeUndefined();
    const seen: number[] = [];
    for await (const row of stream) seen.push(row.n);
    expect(seen).toEqual([1, 2, 3]);
    expect(stream.columns).toEqual(columns);
    expect(log).toEqual(["ended", "closed"]);
  });

  it("closes its source when the loop is left early", async () => {
    const log: string[] = [];
    for await (const row of new QueryStream(source([[1, 2], [3]], log))) {
      if (row.n === 1) break;
    }
    expect(log).toEqual(["closed"]);
  });

  it("closes its source when the loop body throws", async () => {
    const log: string[] = [];
    await expect(
      (async () => {
        for await (const _ of new QueryStream(source([[1]], log))) throw new Error("boom");
      })(),
    ).rejects.toThrow("boom");
    expect(log).toEqual(["closed"]);
  });

  it("passes a source's error on to the reader", async () => {
    const failing = new QueryStream(async function* (): AsyncGenerator<StreamChunk<unknown>> {
      yield chunk([1]);
      throw new Error("stream broke");
    });
    const seen: unknown[] = [];
    await expect(
      (async () => {
        for await (const row of failing) seen.push(row);
      })(),
    ).rejects.toThrow("stream broke");
    expect(seen).toEqual([{ n: 1 }]);
  });

  it("gives each chunk column by column, and closes its source when left early", async () => {
    const log: string[] = [];
    const seen: unknown[][] = [];
    const stream = new QueryStream(source([[], [1, 2], [3], [4]], log));
    for await (const batch of stream.columnBatches()) {
      expect(batch.columns).toEqual(columns);
      expect(batch.vectors[0]!.length).toBe(batch.rowCount);
      seen.push(batch.vectors[0]!.toArray());
      if (seen.length === 2) break;
    }
    expect(seen).toEqual([[1, 2], [3]]);
    expect(log).toEqual(["closed"]);
  });

  it("can be iterated only once, by rows or by batches", async () => {
    const stream = new QueryStream(source([[1]], []));
    for await (const _ of stream.batches()) {
      // drain
    }
    await expect(stream[Symbol.asyncIterator]().next()).rejects.toThrow(/only once/);
    await expect(stream.columnBatches().next()).rejects.toThrow(/only once/);
  });
});
