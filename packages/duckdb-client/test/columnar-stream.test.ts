import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ColumnVector, DuckdbClient } from "../src/index.js";
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

  it("delivers 1M rows as typed columns, exactly", async () => {
    const sql = `SELECT i AS id, (i % 1000)::INTEGER AS small, i * 0.5 AS amount,
      CASE WHEN i % 5 = 0 THEN NULL ELSE 'name-' || (i % 977) END AS label,
      TIMESTAMP '2024-01-01' + to_seconds(i) AS at FROM range(${ROWS}) t(i)`;
    let n = 0;
    let mismatches = 0;
    for await (const { rowCount, vectors } of client
      .queryStream(DB, sql, {}, { transport: "columnar" })
      .columnBatches()) {
      const [id, small, amount, label, at] = vectors as [
        Extract<ColumnVector, { kind: "int64" }>,
        Extract<ColumnVector, { kind: "int32" }>,
        Extract<ColumnVector, { kind: "string" }>,
        Extract<ColumnVector, { kind: "string" }>,
        Extract<ColumnVector, { kind: "timestamp" }>,
      ];
      expect([id.kind, small.kind, amount.kind, label.kind, at.kind]).toEqual([
        "int64",
        "int32",
        "string",
        "string",
        "timestamp",
      ]);
      const [ids, smalls, amounts, labels, ats] = [
        id.values(),
        small.values(),
        amount.values(),
        label.values(),
        at.values(),
      ];
      for (let r = 0; r < rowCount; r++) {
        const i = n++;
        const ok =
          ids[r] === BigInt(i) &&
          smalls[r] === i % 1000 &&
          amounts[r] === `${Math.floor(i / 2)}.${i % 2 === 0 ? "0" : "5"}` &&
          labels[r] === (i % 5 === 0 ? null : `name-${i % 977}`) &&
          label.isNull(r) === (i % 5 === 0) &&
          ats[r] === BASE_MICROS + BigInt(i) * 1_000_000n;
        if (!ok && mismatches++ === 0) {
          expect([ids[r], smalls[r], amounts[r], labels[r], ats[r]]).toEqual([i]);
        }
      }
    }
    expect(mismatches).toBe(0);
    expect(n).toBe(ROWS);
  }, 120_000);

  it("gives every type's vector the rows' values, on both transports", async () => {
    // NULL on every third row; two chunks' worth of rows.
    const nullable = (expr: string) => `CASE WHEN i % 3 = 1 THEN NULL ELSE ${expr} END`;
    const exprs = {
      ti: "(i % 100 - 50)::TINYINT",
      ui: "(4294967295 - i)::UINTEGER",
      bi: "(i * 3002399751580331 - 4611686018427387904)::BIGINT",
      ub: "(18446744073709551615 - i)::UBIGINT",
      hi: "(i::HUGEINT * 17014118346046923173168730371588410 - 1)::HUGEINT",
      f: "(i / 3.0)::FLOAT",
      d: "(i / 7.0 - 700)::DOUBLE",
      b: "i % 2 = 0",
      s: "repeat('é', i % 20) || i",
      blob: "('\\x00\\xff' || repeat('b', i % 16))::BLOB",
      dec: "((i - 1500) * 1.001)::DECIMAL(9,3)",
      date: "DATE '2024-02-29' + i::INTEGER",
      ts: "TIMESTAMP '1969-12-31 23:59:59' + to_microseconds(i * 1000003)",
      tsns: "(TIMESTAMP '2024-01-01' + to_seconds(i))::TIMESTAMP_NS",
      tz: "TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(i)",
      l: "[i, i + 1]",
      st: "{'a': i, 'b': 'x' || i}",
      iv: "to_days(i::INTEGER)",
    };
    const sql = `SELECT ${Object.entries(exprs)
      .map(([name, expr]) => `${nullable(expr)} AS ${name}`)
      .join(", ")} FROM range(3000) t(i)`;
    const rows: Record<string, unknown>[] = [];
    for await (const row of client.queryStream(DB, sql, {}, { transport: "rows" })) rows.push(row);
    const expectedKinds = {
      columnar: {
        ti: "int32",
        ui: "uint32",
        bi: "int64",
        ub: "string",
        hi: "string",
        f: "float64",
        d: "float64",
        b: "bool",
        s: "string",
        blob: "bytes",
        dec: "string",
        date: "string",
        ts: "timestamp",
        tsns: "timestamp",
        tz: "timestamp",
        l: "value",
        st: "value",
        iv: "value",
      },
      rows: Object.fromEntries(Object.keys(exprs).map((name) => [name, "value"])),
    };
    for (const transport of ["columnar", "rows"] as const) {
      const columns: Record<string, unknown[]> = {};
      let kinds: Record<string, string> = {};
      for await (const batch of client.queryStream(DB, sql, {}, { transport }).columnBatches()) {
        kinds = Object.fromEntries(batch.vectors.map((v) => [v.name, v.kind]));
        for (const v of batch.vectors) {
          const values = v.toArray();
          columns[v.name] = [...(columns[v.name] ?? []), ...values];
          // get(), isNull() and values() agree with toArray().
          const raw = v.values() as ArrayLike<unknown>;
          for (let r = 0; r < v.length; r++) {
            expect(v.get(r)).toEqual(values[r]);
            expect(v.isNull(r)).toBe(values[r] === null);
            if (raw[r] === null) expect(values[r]).toBeNull();
          }
        }
      }
      expect(kinds, transport).toEqual(expectedKinds[transport]);
      for (const name of Object.keys(exprs)) {
        expect(columns[name], `${transport} ${name}`).toEqual(rows.map((row) => row[name]));
      }
    }
  }, 60_000);
});
