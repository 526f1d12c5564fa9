import { access, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { Status } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QueryGuard } from "./query-guard.js";
import { openSandboxedInstance } from "./sandbox.js";
import { runScript, type ScriptOptions } from "./sql-runner.js";
import { checkSqlText, isReadOnly, type StatementKind } from "./statement-policy.js";

let dir: string;
let staging: string;
let instance: DuckDBInstance;
let conn: DuckDBConnection;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "duckdb-policy-"));
  staging = join(dir, "staging");
  await mkdir(staging);
  instance = await openSandboxedInstance(join(dir, "db.duckdb"), staging, {
    memoryLimit: "128MB",
    threads: 1,
  });
  conn = await instance.connect();
  await conn.run("CREATE TABLE t (n INTEGER)");
});

afterAll(async () => {
  conn.closeSync();
  instance.closeSync();
  await rm(dir, { recursive: true, force: true });
});

/** Runs `sql` as user SQL; returns the kinds the policy saw and the last result's rows. */
async function user(
  sql: string,
  opts: ScriptOptions = {},
): Promise<{ kinds: StatementKind[]; rows: unknown[][] }> {
  const guard = new QueryGuard(conn, 10_000);
  const kinds: StatementKind[] = [];
  try {
    const rows = await runScript(
      conn,
      sql,
      guard,
      {
        ...opts,
        onStatement: (kind) => {
          kinds.push(kind);
          return undefined;
        },
      },
      async (p) => (await p.runAndReadAll()).getRows(),
    );
    return { kinds, rows };
  } finally {
    guard.dispose();
  }
}

async function count(): Promise<bigint> {
  return (await conn.runAndReadAll("SELECT count(*) FROM t")).getRows()[0]![0] as bigint;
}

describe("statement policy", () => {
  it.each([
    ["SELECT * FROM t", true],
    ["FROM t", true],
    ["DESCRIBE t", true],
    ["SHOW TABLES", true],
    ["SUMMARIZE t", true],
    ["PRAGMA table_info('t')", true],
    ["EXPLAIN SELECT * FROM t", true],
    // Planned, not run: a plain EXPLAIN of a write changes nothing.
    ["EXPLAIN INSERT INTO t VALUES (1)", true],
    ["EXPLAIN ANALYZE SELECT * FROM t", true],
    ["EXPLAIN ANALYZE INSERT INTO t VALUES (1)", false],
    ["EXPLAIN (FORMAT json, ANALYZE) DELETE FROM t WHERE n < 0", false],
    ["EXPLAIN ANALYZE CREATE TABLE u AS SELECT 1 AS n", false],
    ["INSERT INTO t VALUES (1)", false],
    ["CALL pragma_version()", false],
  ])("judges %j read-only: %s", async (sql, readOnly) => {
    const { kinds } = await user(sql);
    expect(kinds).toHaveLength(1);
    expect(isReadOnly(kinds[0]!)).toBe(readOnly);
  });

  it("looks through EXPLAIN ANALYZE to the statement it runs", async () => {
    const { kinds } = await user("EXPLAIN ANALYZE INSERT INTO t VALUES (7)");
    expect(kinds[0]).toMatchObject({ explained: { analyze: true } });
    expect(await count()).toBeGreaterThan(0n);
  });

  it.each([
    ["writes a file into the staging directory", () => `COPY (SELECT 1) TO '${staging}/x.csv'`],
    ["writes a table into the staging directory", () => `COPY t TO '${staging}/x.csv'`],
  ])("refuses EXPLAIN ANALYZE of a statement that %s", async (_what, sql) => {
    await expect(user(`EXPLAIN ANALYZE ${sql()}`)).rejects.toMatchObject({
      code: Status.PERMISSION_DENIED,
    });
    await expect(access(join(staging, "x.csv"))).rejects.toThrow();
  });

  it.each([
    ["PRAGMA enable_profiling", Status.INVALID_ARGUMENT],
    ["EXPLAIN ANALYZE PRAGMA enable_progress_bar", Status.INVALID_ARGUMENT],
    ["EXPLAIN ANALYZE BEGIN TRANSACTION", Status.INVALID_ARGUMENT],
    ["EXPLAIN ANALYZE PREPARE p AS SELECT 1", Status.INVALID_ARGUMENT],
    ["PREPARE p AS INSERT INTO t VALUES (1)", Status.INVALID_ARGUMENT],
    ["EXPLAIN ANALYZE SET VARIABLE x = 1", Status.PERMISSION_DENIED],
    ["EXPLAIN ANALYZE LOAD json", Status.PERMISSION_DENIED],
  ])("refuses %j before it runs", async (sql, code) => {
    await expect(user(sql)).rejects.toMatchObject({ code });
  });

  it("refuses an EXPLAIN among other statements, whose text it cannot find", async () => {
    const before = await count();
    await expect(user("SELECT 1; EXPLAIN ANALYZE INSERT INTO t VALUES (1)")).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
      details: expect.stringMatching(/only statement/),
    });
    expect(await count()).toBe(before);
  });

  it.each([
    "SELECT current_setting('allowed_directories')",
    "SELECT current_setting('ALLOWED_PATHS')",
    "SELECT current_setting('allowed_' || 'directories')",
    "SELECT \"current_setting\"('temp_directory')",
    "SELECT * FROM duckdb_settings()",
    "SELECT path FROM duckdb_databases()",
    "PRAGMA database_list",
    "SELECT * FROM main.duckdb_databases()",
    "SELECT * FROM duckdb_temporary_files()",
    "SELECT * FROM query('SELECT * FROM duck' || 'db_settings()')",
    "SELECT * FROM query /* hidden */ ('SELECT 1')",
    "SELECT * FROM query_table('t')",
    "SELECT json_serialize_plan('SELECT 1')",
    "SELECT * FROM histogram('pg_' || 'settings', setting)",
    "SELECT * FROM histogram(x /* ) */, y)",
    "FROM histogram_values('t', n)",
    "CREATE VIEW v AS SELECT * FROM duckdb_databases()",
  ])("refuses %j, which shows server paths or hides SQL", async (sql) => {
    await expect(user(sql)).rejects.toMatchObject({ code: Status.PERMISSION_DENIED });
  });

  it.each([
    "SELECT * FROM enable_profiling()",
    "CALL enable_logging(storage = 'stdout')",
    "SET enable_profiling = 'json'",
    "SET profiling_output = '/tmp/p.json'",
    "PRAGMA explain_output = 'all'",
    "PRAGMA enable_progress_bar",
  ])("refuses %j: settings are fixed per database", async (sql) => {
    await expect(user(sql)).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
      details: expect.stringMatching(/settings are fixed per database/),
    });
  });

  it("covers every view and macro of the engine that reads a refused function", async () => {
    // The engine's own catalog: views such as pg_catalog.pg_settings read duckdb_settings()
    // under another name. Whatever definition the check refuses must be refused by its own
    // name too; a definition calling one of those then fails the check itself, so the list
    // is closed under the catalog (a new DuckDB version with new views fails here).
    const engine = await DuckDBInstance.create(":memory:");
    const c = await engine.connect();
    try {
      const definitions = (
        await c.runAndReadAll(
          `SELECT view_name, sql FROM duckdb_views() WHERE internal
           UNION ALL
           SELECT function_name, macro_definition FROM duckdb_functions()
            WHERE function_type IN ('macro', 'table_macro') AND internal`,
        )
      ).getRows();
      const refused = (text: string) => {
        try {
          checkSqlText(text);
          return false;
        } catch {
          return true;
        }
      };
      const reading = definitions.filter(([, text]) => refused(String(text)));
      expect(reading.map(([name]) => name)).toEqual(
        expect.arrayContaining(["pg_settings", "duckdb_databases", "histogram"]),
      );
      // Called as a table macro would be: histogram is also a one-argument aggregate.
      for (const [name] of reading)
        expect(refused(`FROM ${name}('t', c)`), String(name)).toBe(true);
    } finally {
      c.closeSync();
      engine.closeSync();
    }
  });

  it("still answers settings that are not paths, columns called query, the histogram aggregate", async () => {
    const { rows } = await user(
      "SELECT current_setting('threads'), q.query FROM (SELECT 'x' AS query) AS q",
    );
    expect(rows).toEqual([[1n, "x"]]);
    const histogram = await user(
      "SELECT histogram(n % 2), histogram(strftime(DATE '2024-01-01', '%Y')) FROM t",
    );
    expect(histogram.rows).toHaveLength(1);
  });

  it("keeps the server's home directory out of the settings, even unchecked", async () => {
    const raw = await conn.runAndReadAll(
      "SELECT current_setting('secret_directory'), current_setting('extension_directory')",
    );
    for (const value of raw.getRows()[0]!) expect(String(value)).toContain(staging);
  });

  describe("read_only", () => {
    it("runs one read-only statement", async () => {
      const { rows } = await user("SELECT 42", { readOnly: true });
      expect(rows).toEqual([[42]]);
    });

    it.each([
      "INSERT INTO t VALUES (1)",
      "CREATE TABLE w (n INTEGER)",
      "EXPLAIN ANALYZE INSERT INTO t VALUES (1)",
      "SELECT 1; SELECT 2",
      "SELECT 1; INSERT INTO t VALUES (1)",
    ])("refuses %j before anything runs", async (sql) => {
      const before = await count();
      await expect(user(sql, { readOnly: true })).rejects.toMatchObject({
        code: Status.INVALID_ARGUMENT,
        details: expect.stringMatching(/read_only|read-only/),
      });
      expect(await count()).toBe(before);
      const tables = await conn.runAndReadAll(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'w'",
      );
      expect(tables.getRows()[0]![0]).toBe(0n);
    });
  });
});
