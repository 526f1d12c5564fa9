import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DuckdbClient } from "../src/index.js";
import { type Stack, startStack } from "./stack.js";

const DB = "columnar";
const ROWS = 1_000_000;
const BASE_MICROS = BigInt(Date.UTC(2024, 0, 1)) * 1000n;

describe("ExecuteQueryColumnar at scale", () => {
  let stack: Stack;
  let client: DuckdbClient;

  beforeAll(async () => {
    stack = await startStack();
    client = await stack.client("columnar", { timestamps: "micros" });
    await client.createDatabase(DB);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("delivers 1M rows of mixed columns, NULLs and long strings exactly", async () => {
    const sql = `SELECT i AS id, (i % 1000)::INTEGER AS small, i * 0.5 AS amount,
      CASE WHEN i % 5 = 0 THEN NULL WHEN i % 7 = 0 THEN 'a-long-label-é-' || i ELSE 'name-' || (i % 977) END AS label,
      TIMESTAMP '2024-01-01' + to_seconds(i) AS at, i % 3 = 0 AS flag, CASE WHEN i % 11 = 0 THEN NULL ELSE i / 4 END AS ratio
      FROM range(${ROWS}) t(i)`;
    let n = 0;
    let mismatches = 0;
    for await (const batch of client
      .queryStream(DB, sql, {}, { transport: "columnar" })
      .batches()) {
      for (const row of batch.rows) {
        const i = n++;
        const label = i % 5 === 0 ? null : i % 7 === 0 ? `a-long-label-é-${i}` : `name-${i % 977}`;
        const expected = {
          id: BigInt(i),
          small: i % 1000,
          amount: `${Math.floor(i / 2)}.${i % 2 === 0 ? "0" : "5"}`,
          label,
          at: BASE_MICROS + BigInt(i) * 1_000_000n,
          flag: i % 3 === 0,
          ratio: i % 11 === 0 ? null : i / 4,
        };
        // One assertion at the end: a million expect() calls would be the test's cost.
        const r = row as Record<string, unknown>;
        if (
          r.id !== expected.id ||
          r.small !== expected.small ||
          r.amount !== expected.amount ||
          r.label !== expected.label ||
          r.at !== expected.at ||
          r.flag !== expected.flag ||
          r.ratio !== expected.ratio
        ) {
          if (mismatches++ === 0) expect(row).toEqual(expected);
        }
      }
    }
    expect(mismatches).toBe(0);
    expect(n).toBe(ROWS);
  }, 120_000);
});
