import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { bearer, eventsCsv } from "@isa-cloud/testing";
import { tableFromIPC } from "apache-arrow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./test-app.js";

// Query results over a real socket, in every format, read back exactly.
let stack: TestApp;
let url: string;
let auth: Record<string, string>;
let scratch: string;

const ROWS = 1_000_000;
// i: BIGINT 0..999999; big: BIGINT past 2^53 for odd rows; s: text with the characters
// CSV must quote; d: DECIMAL; n: NULL every tenth row.
const SQL = `SELECT range AS i,
  CASE WHEN range % 2 = 1 THEN 2305843009213693952 + range ELSE range END AS big,
  'r' || range || CASE WHEN range % 1000 = 0 THEN ',"q"' ELSE '' END AS s,
  ((range % 100)::DECIMAL(10,2) / 4)::DECIMAL(10,2) AS d,
  CASE WHEN range % 10 = 0 THEN NULL ELSE range::INTEGER END AS n
FROM range(${ROWS})`;

function query(body: unknown, accept?: string) {
  return fetch(`${url}/api/v1/data/query`, {
    method: "POST",
    headers: {
      ...auth,
      "content-type": "application/json",
      ...(accept ? { accept } : {}),
    },
    body: JSON.stringify(body),
  });
}

/** What DuckDB itself says of the result: the reference every format is checked against. */
const EXPECTED = {
  rows: ROWS,
  sumI: 499999500000n,
  oddBig: 2305843009213693952n + 999999n,
  nulls: 100_000,
};

beforeAll(async () => {
  stack = await startTestApp();
  url = await stack.listen();
  auth = bearer(await stack.token("quinn"));
  scratch = await mkdtemp(join(tmpdir(), "api-formats-"));
  // Any import creates the user's analytics database.
  const csv = eventsCsv([["click", "2024-01-01", 1, 1]]);
  await fetch(`${url}/api/v1/data/upload`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ file_name: "e.csv", data: Buffer.from(csv).toString("base64") }),
  });
  const imported = await fetch(`${url}/api/v1/data/import`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ file_name: "e.csv" }),
  });
  expect(imported.status, await imported.clone().text()).toBe(200);
});

afterAll(async () => {
  await stack?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe("a 1M-row result in each streamed format", () => {
  it("streams NDJSON, one object per row, 64-bit integers and decimals as strings", async () => {
    const res = await query({ sql: SQL }, "application/x-ndjson");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-ndjson");
    const lines = (await res.text()).trimEnd().split("\n");
    expect(lines).toHaveLength(EXPECTED.rows);
    let sum = 0n;
    let nulls = 0;
    for (const line of lines) {
      const row = JSON.parse(line) as { i: string; big: string; d: string; n: number | null };
      sum += BigInt(row.i);
      if (row.n === null) nulls++;
    }
    expect(sum).toBe(EXPECTED.sumI);
    expect(nulls).toBe(EXPECTED.nulls);
    expect(JSON.parse(lines[999_999]!)).toEqual({
      i: "999999",
      big: EXPECTED.oddBig.toString(),
      s: "r999999",
      d: "24.75",
      n: 999999,
    });
    expect(JSON.parse(lines[1000]!).s).toBe('r1000,"q"');
  });

  it("streams CSV with a header and RFC 4180 quoting", async () => {
    const res = await query({ sql: SQL }, "text/csv");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toContain("result.csv");
    const lines = (await res.text()).split("\r\n");
    expect(lines[0]).toBe("i,big,s,d,n");
    expect(lines).toHaveLength(EXPECTED.rows + 2); // the header, and "" after the last CRLF
    expect(lines[1]).toBe('0,0,"r0,""q""",0.00,');
    expect(lines[1001]).toBe('1000,1000,"r1000,""q""",0.00,');
    expect(lines[EXPECTED.rows]).toBe(`999999,${EXPECTED.oddBig},r999999,24.75,999999`);
  });

  it("streams a Parquet file that DuckDB reads back exactly", async () => {
    const res = await query({ sql: SQL }, "application/vnd.apache.parquet");
    expect(res.status).toBe(200);
    const path = join(scratch, "result.parquet");
    await writeFile(path, Buffer.from(await res.arrayBuffer()));
    const db = await DuckDBInstance.create(":memory:");
    const conn = await db.connect();
    try {
      const reader = await conn.runAndReadAll(
        `SELECT count(*)::BIGINT, sum(i)::HUGEINT::VARCHAR, max(big)::VARCHAR, count(*) FILTER (n IS NULL)::BIGINT,
           max(s) FILTER (i = 1000), typeof(any_value(i)) FROM '${path}'`,
      );
      expect(reader.getRows()[0]).toEqual([
        BigInt(EXPECTED.rows),
        EXPECTED.sumI.toString(),
        EXPECTED.oddBig.toString(),
        BigInt(EXPECTED.nulls),
        'r1000,"q"',
        "BIGINT",
      ]);
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  });

  it("streams Arrow IPC that apache-arrow reads back exactly", async () => {
    const res = await query({ sql: SQL }, "application/vnd.apache.arrow.stream");
    expect(res.status).toBe(200);
    const table = tableFromIPC(new Uint8Array(await res.arrayBuffer()));
    expect(table.numRows).toBe(EXPECTED.rows);
    expect(table.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
      "i:Int64",
      "big:Int64",
      "s:Utf8",
      "d:Utf8",
      "n:Int32",
    ]);
    let sum = 0n;
    for (const value of table.getChild("i")!) sum += value as bigint;
    expect(sum).toBe(EXPECTED.sumI);
    expect(table.getChild("big")!.get(999_999)).toBe(EXPECTED.oddBig);
    expect(table.getChild("n")!.nullCount).toBe(EXPECTED.nulls);
    expect(table.getChild("d")!.get(999_999)).toBe("24.75");
  });
});

describe("JSON answers", () => {
  it("states the cap and stops at it, marking the answer truncated", async () => {
    const res = await query({ sql: SQL, max_rows: 5 });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ row_count: 5, truncated: true, max_rows: 5 });
    const all = (await (await query({ sql: "SELECT 1 AS x" })).json()) as Record<string, unknown>;
    expect(all).toMatchObject({ row_count: 1, truncated: false, max_rows: 10_000 });
  });

  it("writes every BIGINT of a column as a string, small or large, never mixed", async () => {
    const res = await query({
      sql: "SELECT * FROM (VALUES (1::BIGINT, 1::HUGEINT, 1.5::DECIMAL(4,1), 1::INTEGER, 'NaN'::DOUBLE), (2305843009213693952, 2, 2.5, 2, 2.5)) t(a, h, d, n, f)",
    });
    const { rows, columns } = (await res.json()) as {
      rows: Array<Record<string, unknown>>;
      columns: Array<{ name: string; type: string }>;
    };
    expect(columns.map((c) => c.type)).toEqual([
      "BIGINT",
      "HUGEINT",
      "DECIMAL(4,1)",
      "INTEGER",
      "DOUBLE",
    ]);
    expect(rows).toEqual([
      { a: "1", h: "1", d: "1.5", n: 1, f: null },
      { a: "2305843009213693952", h: "2", d: "2.5", n: 2, f: 2.5 },
    ]);
  });

  it("runs EXPLAIN, which only reads", async () => {
    const res = await query({ sql: "EXPLAIN SELECT count(*) FROM user_events" });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { rows: Array<Record<string, string>> };
    expect(JSON.stringify(body.rows)).toContain("user_events");
  });

  it("gives an empty result in every format", async () => {
    const sql = "SELECT 1::BIGINT AS x WHERE false";
    expect(await (await query({ sql }, "application/x-ndjson")).text()).toBe("");
    expect(await (await query({ sql }, "text/csv")).text()).toBe("x\r\n");
    const arrow = tableFromIPC(
      new Uint8Array(
        await (await query({ sql }, "application/vnd.apache.arrow.stream")).arrayBuffer(),
      ),
    );
    expect(arrow.numRows).toBe(0);
    expect(arrow.schema.fields.map((f) => f.name)).toEqual(["x"]);
  });
});

describe("bad input", () => {
  it("answers 406 for an Accept no format matches", async () => {
    const res = await query({ sql: "SELECT 1" }, "image/png");
    expect(res.status).toBe(406);
    expect(await res.json()).toMatchObject({ code: "not_acceptable" });
  });

  it.each([
    [{ sql: "SELECT 1", max_rows: 0 }, "max_rows of 0"],
    [{ sql: "SELECT 1", max_rows: 10_001 }, "max_rows over the cap"],
    [{ sql: "SELECT 1", max_rows: "5" }, "max_rows as text"],
    [{ sql: "" }, "empty SQL"],
    [{ sql: "DELETE FROM user_events" }, "a write"],
    [{ sql: "SELEC 1" }, "SQL that does not parse"],
    [{ sql: "SELECT $1", params: { "bad name": 1 } }, "a bad parameter name"],
  ])("answers 400 for %j (%s), before any row, in a streamed format too", async (body, _reason) => {
    for (const accept of ["application/json", "text/csv"]) {
      const res = await query(body, accept);
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/json");
    }
  });
});
