import {
  type DuckDBConnection,
  DuckDBInstance,
  type DuckDBPreparedStatement,
} from "@duckdb/node-api";
import { duckdb } from "@isa-cloud/proto";
import { Status } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QueryGuard } from "./query-guard.js";
import { readBatches, readColumnar, runScript, type ScriptOptions } from "./sql-runner.js";
import { STATEMENTS_PER_CONNECTION, statementCacheOf } from "./statement-cache.js";
import { NULL_VALUE } from "./value-encoding.js";

let instance: DuckDBInstance;
let conn: DuckDBConnection;
let other: DuckDBConnection;

beforeAll(async () => {
  instance = await DuckDBInstance.create(":memory:");
  conn = await instance.connect();
  other = await instance.connect();
});

afterAll(() => {
  conn.closeSync();
  other.closeSync();
  instance.closeSync();
});

const s = (value: string): duckdb.Value => ({ kind: { $case: "stringValue", value } });
const i = (value: bigint): duckdb.Value => ({ kind: { $case: "intValue", value } });

/** Runs `sql` and returns the encoded rows of its last statement. */
async function query(
  sql: string,
  opts: ScriptOptions & { timeoutMs?: number; maxRows?: number; on?: DuckDBConnection } = {},
): Promise<duckdb.Value[][]> {
  const c = opts.on ?? conn;
  const guard = new QueryGuard(c, opts.timeoutMs ?? 10_000);
  try {
    return await runScript(c, sql, guard, opts, async (prepared: DuckDBPreparedStatement) => {
      const result = await guard.run(() => prepared.stream());
      const rows: duckdb.Value[][] = [];
      for await (const batch of readBatches(result, result.columnTypes(), guard, {
        batchBytes: 1 << 20,
        maxRows: opts.maxRows,
      })) {
        rows.push(...batch.rows.map((r) => r.values));
      }
      return rows;
    });
  } finally {
    guard.dispose();
  }
}

describe("runScript", () => {
  it("binds named parameters of every kind through DuckDB", async () => {
    const params: Record<string, duckdb.Value> = {
      n: i(41n),
      f: { kind: { $case: "doubleValue", value: 0.5 } },
      t: s("it's"),
      b: { kind: { $case: "boolValue", value: true } },
      x: { kind: { $case: "bytesValue", value: new Uint8Array([1, 2]) } },
      ts: { kind: { $case: "timestampValue", value: { seconds: 1705322096n, nanos: 789012000 } } },
      z: NULL_VALUE,
      l: { kind: { $case: "listValue", value: { values: [i(1n), NULL_VALUE, i(3n)] } } },
      r: { kind: { $case: "recordValue", value: { names: ["a", "b"], values: [i(1n), s("q")] } } },
      m: { kind: { $case: "mapValue", value: { keys: [s("k")], values: [i(7n)] } } },
      j: { kind: { $case: "structValue", value: { k: "v", n: 2 } } },
    };
    const [row] = await query(
      `SELECT $n + 1, $f * 2, $t, NOT $b, octet_length($x), epoch_us($ts), $z IS NULL,
              list_sum($l), $r.b, $m['k'], json_extract_string($j, '$.k')`,
      { params },
    );
    expect(row).toEqual([
      i(42n),
      { kind: { $case: "doubleValue", value: 1 } },
      s("it's"),
      { kind: { $case: "boolValue", value: false } },
      i(2n),
      i(1705322096789012n),
      { kind: { $case: "boolValue", value: true } },
      s("4"),
      s("q"),
      { kind: { $case: "intValue", value: 7n } },
      s("v"),
    ]);
  });

  it("never pastes a parameter into SQL", async () => {
    const evil = s("x'; DROP TABLE t; --");
    await conn.run("CREATE TABLE IF NOT EXISTS t (v VARCHAR)");
    expect(await query("SELECT $v", { params: { v: evil } })).toEqual([[evil]]);
    expect(await query("SELECT count(*) FROM t")).toEqual([[i(0n)]]);
  });

  it("rejects a missing parameter with INVALID_ARGUMENT", async () => {
    await expect(query("SELECT $a, $b", { params: { a: i(1n) } })).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
      details: expect.stringContaining("missing parameter $b"),
    });
  });

  it("rejects a parameter the statement does not use", async () => {
    await expect(query("SELECT $a", { params: { a: i(1n), typo: i(2n) } })).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
      details: expect.stringContaining("unknown parameter $typo"),
    });
  });

  it("rejects list parameters that mix kinds", async () => {
    const mixed: duckdb.Value = {
      kind: { $case: "listValue", value: { values: [i(1n), s("a")] } },
    };
    await expect(query("SELECT $l", { params: { l: mixed } })).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
      details: expect.stringContaining("share one type"),
    });
  });

  it("rejects timestamps finer than DuckDB's microseconds", async () => {
    const ts: duckdb.Value = {
      kind: { $case: "timestampValue", value: { seconds: 1n, nanos: 1 } },
    };
    await expect(query("SELECT $t", { params: { t: ts } })).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
    });
  });

  it("reports bad SQL as INVALID_ARGUMENT with DuckDB's message", async () => {
    await expect(query("SELEC 1")).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
      details: expect.stringContaining("Parser Error"),
    });
    await expect(query("SELECT * FROM no_such_table")).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
      details: expect.stringContaining("Catalog Error"),
    });
    await expect(query("")).rejects.toMatchObject({ code: Status.INVALID_ARGUMENT });
  });

  it("runs statements in order and returns the last one's rows", async () => {
    const rows = await query(
      "CREATE TEMP TABLE seq AS SELECT range AS n FROM range(5); SELECT sum(n) FROM seq WHERE n > $min",
      { params: { min: i(2n) } },
    );
    expect(rows).toEqual([[s("7")]]);
  });

  it("refuses transaction control outside batches", async () => {
    await expect(query("BEGIN")).rejects.toMatchObject({ code: Status.INVALID_ARGUMENT });
  });

  it("stops after max rows without reading the rest", async () => {
    expect(await query("SELECT * FROM range(1000000)", { maxRows: 3 })).toEqual([
      [i(0n)],
      [i(1n)],
      [i(2n)],
    ]);
  });

  it("interrupts a query past its timeout with DEADLINE_EXCEEDED and keeps the connection usable", async () => {
    await expect(
      query("SELECT count(*) FROM range(1000000000000) a WHERE a.range % 7 = 3", {
        timeoutMs: 200,
      }),
    ).rejects.toMatchObject({ code: Status.DEADLINE_EXCEEDED });
    await expect(
      query("SELECT * FROM range(100000000000)", { timeoutMs: 200 }),
    ).rejects.toMatchObject({ code: Status.DEADLINE_EXCEEDED });
    expect(await query("SELECT 1")).toEqual([[i(1n)]]);
  });

  it("reports a write-write conflict as ABORTED", async () => {
    await conn.run("CREATE TABLE acct (id INTEGER PRIMARY KEY, v INTEGER)");
    await conn.run("INSERT INTO acct VALUES (1, 0)");
    await other.run("BEGIN");
    await other.run("UPDATE acct SET v = 1 WHERE id = 1");
    try {
      await expect(query("UPDATE acct SET v = 2 WHERE id = 1")).rejects.toMatchObject({
        code: Status.ABORTED,
      });
    } finally {
      await other.run("ROLLBACK");
    }
  });

  it("splits a result into batches under the byte budget", async () => {
    const guard = new QueryGuard(conn, 10_000);
    try {
      const result = await conn.stream("SELECT repeat('x', 1000) FROM range(100)");
      const batches = [];
      for await (const b of readBatches(result, result.columnTypes(), guard, {
        batchBytes: 10_000,
      })) {
        batches.push(b);
      }
      expect(batches.reduce((n, b) => n + b.rows.length, 0)).toBe(100);
      for (const b of batches) expect(b.bytes).toBeLessThanOrEqual(10_000);
      expect(batches.length).toBeGreaterThan(5);
    } finally {
      guard.dispose();
    }
  });
});

describe("runScript with kept statements", () => {
  let cached: DuckDBConnection;
  let version = 0;
  const keep = { changeVersion: () => String(version) };

  beforeAll(async () => {
    cached = await instance.connect();
  });

  afterAll(() => cached.closeSync());

  /** The prepared statement `sql` ran as, and its rows' values as plain JS. */
  async function run(
    sql: string,
    opts: ScriptOptions & { timeoutMs?: number; on?: DuckDBConnection } = {},
  ) {
    const c = opts.on ?? cached;
    const guard = new QueryGuard(c, opts.timeoutMs ?? 10_000);
    try {
      return await runScript(c, sql, guard, { ...keep, ...opts }, async (prepared) => {
        const reader = await guard.run(() => prepared.runAndReadAll());
        return { prepared, columns: reader.columnNames(), rows: reader.getRowsJS() };
      });
    } finally {
      guard.dispose();
    }
  }

  it("reuses a lone statement on its connection only, and never a script", async () => {
    const first = await run("SELECT 1 AS one");
    const again = await run("SELECT 1 AS one");
    expect(again.prepared).toBe(first.prepared);
    expect(again.rows).toEqual([[1]]);
    expect((await run("SELECT 1 AS one", { on: other })).prepared).not.toBe(first.prepared);
    expect((await run("select 1 as one")).prepared).not.toBe(first.prepared);
    const script = "SELECT 1; SELECT 2 AS two";
    expect((await run(script)).prepared).not.toBe((await run(script)).prepared);
    // Without a change version nothing is kept.
    const guard = new QueryGuard(cached, 10_000);
    const plain = await runScript(cached, "SELECT 3", guard, {}, async (p) => p);
    guard.dispose();
    expect(await runScript(cached, "SELECT 3", guard, {}, async (p) => p)).not.toBe(plain);
  });

  it("re-prepares once the database's change version moved", async () => {
    await cached.run("CREATE VIEW kept_v AS SELECT 1 AS a");
    const first = await run("SELECT * FROM kept_v");
    // DuckDB would keep running the old view definition in the kept statement.
    await cached.run("CREATE OR REPLACE VIEW kept_v AS SELECT 'x' AS b, 2 AS c");
    version++;
    const after = await run("SELECT * FROM kept_v");
    expect(after.prepared).not.toBe(first.prepared);
    expect(after).toMatchObject({ columns: ["b", "c"], rows: [["x", 2]] });
  });

  it("gives the new columns of a table dropped and recreated (DuckDB re-binds it)", async () => {
    await cached.run("CREATE TABLE kept_t AS SELECT 1 AS a");
    const first = await run("SELECT * FROM kept_t");
    await other.run("DROP TABLE kept_t; CREATE TABLE kept_t AS SELECT 'y' AS x, 3 AS z");
    const after = await run("SELECT * FROM kept_t");
    expect(after.prepared).toBe(first.prepared);
    expect(after).toMatchObject({ columns: ["x", "z"], rows: [["y", 3]] });
    await other.run("DROP TABLE kept_t");
    await expect(run("SELECT * FROM kept_t")).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
      details: expect.stringContaining("Catalog Error"),
    });
  });

  it("must drop a kept statement after an INSERT too: DuckDB planned it by the table's statistics", async () => {
    await cached.run("CREATE TABLE kept_s AS SELECT range::INTEGER AS x FROM range(10)");
    const over = "SELECT count(*)::INTEGER AS n FROM kept_s WHERE x > 20";
    const first = await run(over);
    expect(first.rows).toEqual([[0]]);
    await other.run("INSERT INTO kept_s VALUES (30)");
    // DuckDB's own statement folded the filter away (x was at most 9), and it does not
    // re-plan for new rows: so a data write, not only DDL, has to move the version.
    expect((await run(over)).rows).toEqual([[0]]);
    version++;
    const after = await run(over);
    expect(after.prepared).not.toBe(first.prepared);
    expect(after.rows).toEqual([[1]]);
  });

  it("applies read_only and the statement policy to a kept statement on every call", async () => {
    await cached.run("CREATE TABLE kept_w (n INTEGER)");
    await run("INSERT INTO kept_w VALUES (1)");
    await expect(run("INSERT INTO kept_w VALUES (1)", { readOnly: true })).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
      details: expect.stringContaining("read_only is set"),
    });
    await run("BEGIN", { allowTransactionControl: true });
    await run("ROLLBACK", { allowTransactionControl: true });
    await expect(run("BEGIN")).rejects.toMatchObject({ code: Status.INVALID_ARGUMENT });
    expect((await run("SELECT count(*)::INTEGER FROM kept_w")).rows).toEqual([[1]]);
  });

  it("never lets a parameter of one call reach the next", async () => {
    const sql = "SELECT $a AS a";
    expect((await run(sql, { params: { a: i(5n) } })).rows).toEqual([[5n]]);
    await expect(run(sql)).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
      details: expect.stringContaining("missing parameter $a"),
    });
    await expect(run(sql, { params: { a: i(1n), b: i(2n) } })).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
      details: expect.stringContaining("unknown parameter $b"),
    });
    expect((await run(sql, { params: { a: s("text") } })).rows).toEqual([["text"]]);
    const two = "SELECT $a::INTEGER + $b::INTEGER AS n";
    expect((await run(two, { params: { a: i(1n), b: i(2n) } })).rows).toEqual([[3]]);
    await expect(run(two, { params: { a: i(1n) } })).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
      details: expect.stringContaining("missing parameter $b"),
    });
  });

  it("interrupts a kept statement at its deadline and runs it again after", async () => {
    const slow = "SELECT count(*) FROM range(1000000000000) a WHERE a.range % 7 = $m";
    await expect(run(slow, { params: { m: i(3n) }, timeoutMs: 200 })).rejects.toMatchObject({
      code: Status.DEADLINE_EXCEEDED,
    });
    await expect(run(slow, { params: { m: i(3n) }, timeoutMs: 200 })).rejects.toMatchObject({
      code: Status.DEADLINE_EXCEEDED,
    });
    const quick = "SELECT count(*)::INTEGER FROM range(10) a WHERE a.range % 7 = $m";
    expect((await run(quick, { params: { m: i(3n) } })).rows).toEqual([[1]]);
  });

  it("keeps at most its bound, the least recently used out first, and no failed or long SQL", async () => {
    const conn2 = await instance.connect();
    try {
      const cache = statementCacheOf(conn2);
      const first = await run("SELECT 0 AS n", { on: conn2 });
      for (let n = 1; n <= STATEMENTS_PER_CONNECTION + 5; n++)
        await run(`SELECT ${n} AS n`, { on: conn2 });
      expect(cache.size).toBe(STATEMENTS_PER_CONNECTION);
      expect((await run("SELECT 0 AS n", { on: conn2 })).prepared).not.toBe(first.prepared);
      await expect(run("SELEC 1", { on: conn2 })).rejects.toMatchObject({
        code: Status.INVALID_ARGUMENT,
      });
      const long = `SELECT '${"x".repeat(20_000)}' AS s`;
      expect((await run(long, { on: conn2 })).prepared).not.toBe(
        (await run(long, { on: conn2 })).prepared,
      );
      expect(cache.size).toBe(STATEMENTS_PER_CONNECTION);
    } finally {
      conn2.closeSync();
    }
  });
});

describe("readColumnar", () => {
  /** The ids of `sql`'s first column, message by message, read with the next chunk fetched ahead. */
  async function ids(
    sql: string,
    opts: { maxRows?: number; timeoutMs?: number; stopAfter?: number } = {},
  ) {
    const guard = new QueryGuard(conn, opts.timeoutMs ?? 10_000);
    const messages: bigint[][] = [];
    try {
      const result = await conn.stream(sql);
      for await (const bytes of readColumnar(result, result.columnTypes(), guard, {
        batchBytes: 1 << 20,
        maxRows: opts.maxRows,
        maxMessageBytes: 4 << 20,
      })) {
        const chunk = duckdb.ColumnarChunk.decode(bytes);
        const data = chunk.vectors[0]!.data;
        if (data?.$case !== "int64Data") throw new Error("expected int64 data");
        const view = new DataView(data.value.buffer, data.value.byteOffset, data.value.byteLength);
        messages.push(
          Array.from({ length: chunk.rowCount }, (_, r) => view.getBigInt64(r * 8, true)),
        );
        if (messages.length === opts.stopAfter) break;
      }
    } finally {
      guard.dispose();
    }
    return messages;
  }

  it("delivers every chunk in order, and stops at max rows", async () => {
    const all = (await ids("SELECT range FROM range(10000)")).flat();
    expect(all).toEqual(Array.from({ length: 10000 }, (_, r) => BigInt(r)));
    const some = (await ids("SELECT range FROM range(10000)", { maxRows: 3000 })).flat();
    expect(some).toEqual(all.slice(0, 3000));
  });

  it("leaves no fetch running on the connection when the reader stops early", async () => {
    const first = await ids("SELECT range FROM range(1000000)", { stopAfter: 1 });
    expect(first[0]![0]).toBe(0n);
    expect((await conn.runAndReadAll("SELECT 42")).getRows()).toEqual([[42]]);
  });

  it("fails with DEADLINE_EXCEEDED when the query is interrupted between chunks", async () => {
    await expect(
      ids("SELECT range FROM range(100000000000) WHERE range % 7 = 3", { timeoutMs: 200 }),
    ).rejects.toMatchObject({ code: Status.DEADLINE_EXCEEDED });
    expect((await conn.runAndReadAll("SELECT 1")).getRows()).toEqual([[1]]);
  });
});
