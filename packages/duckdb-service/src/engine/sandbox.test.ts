import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { Status } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QueryGuard } from "./query-guard.js";
import { openSandboxedInstance } from "./sandbox.js";
import { runScript } from "./sql-runner.js";

let dir: string;
let staging: string;
let instance: DuckDBInstance;
let conn: DuckDBConnection;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "duckdb-sandbox-"));
  staging = join(dir, "staging");
  await mkdir(staging);
  await writeFile(join(staging, "in.csv"), "a,b\n1,x\n");
  // Another tenant's database file and a server file next to ours.
  await writeFile(join(dir, "other.duckdb"), "not yours");
  instance = await openSandboxedInstance(join(dir, "db.duckdb"), staging, {
    memoryLimit: "128MB",
    threads: 1,
  });
  // A connection opened after the setup one: the settings are global, not per session.
  conn = await instance.connect();
});

afterAll(async () => {
  conn.closeSync();
  instance.closeSync();
  await rm(dir, { recursive: true, force: true });
});

async function user(sql: string): Promise<unknown> {
  // Only a safety net: a spilling sort on one thread of a loaded 2-core machine took past
  // 10 s, and no test here is about the timeout.
  const guard = new QueryGuard(conn, 120_000);
  try {
    return await runScript(conn, sql, guard, {}, async (p) => (await p.runAndReadAll()).getRows());
  } finally {
    guard.dispose();
  }
}

describe("sandboxed database", () => {
  it.each([
    ["reads a server file", "SELECT * FROM read_csv('/etc/passwd')", /Permission Error/],
    ["reads a server file by URL", "SELECT * FROM read_text('file:///etc/passwd')", /Permission/],
    ["lists server directories", "SELECT * FROM glob('/etc/*')", /Permission Error/],
    ["reads another database's file", `SELECT * FROM read_blob('${"OTHER"}')`, /Permission Error/],
    [
      "escapes the staging directory",
      `SELECT * FROM read_csv('${"STAGING"}/../other.duckdb')`,
      /Permission/,
    ],
    ["writes a server file", "COPY (SELECT 1) TO '/tmp/x.csv'", /Permission|COPY/],
    ["attaches another database file", `ATTACH '${"OTHER"}' AS o`, /ATTACH|Permission/],
    ["attaches an in-memory database", "ATTACH ':memory:' AS m", /ATTACH is not allowed/],
    ["installs an extension", "INSTALL httpfs", /INSTALL and LOAD/],
    ["loads an extension", "LOAD httpfs", /INSTALL and LOAD/],
    ["raises its memory limit", "SET memory_limit = '8GB'", /SET/],
    ["changes threads by PRAGMA", "PRAGMA threads = 8", /SET/],
    ["turns external access back on", "SET enable_external_access = true", /SET/],
    ["unlocks the configuration", "RESET lock_configuration", /SET/],
    ["exports the database to files", `EXPORT DATABASE '${"STAGING"}/x'`, /EXPORT|Permission/],
  ])("refuses user SQL that %s with PERMISSION_DENIED", async (_what, template, message) => {
    const sql = template
      .replaceAll("OTHER", join(dir, "other.duckdb"))
      .replaceAll("STAGING", staging);
    await expect(user(sql)).rejects.toMatchObject({
      code: Status.PERMISSION_DENIED,
      details: expect.stringMatching(message),
    });
  });

  it("keeps the settings locked even against a connection that skips the statement check", async () => {
    await expect(conn.run("SET memory_limit = '8GB'")).rejects.toThrow(/locked/);
    await expect(conn.run("SET enable_external_access = true")).rejects.toThrow(/locked/);
    await expect(conn.run("LOAD httpfs")).rejects.toThrow(/disabled/);
    await expect(conn.run("SELECT * FROM read_csv('/etc/passwd')")).rejects.toThrow(/Permission/);
    const settings = await conn.runAndReadAll(
      "SELECT current_setting('memory_limit'), current_setting('threads')",
    );
    expect(settings.getRows()[0]).toEqual(["122.0 MiB", 1n]);
  });

  it("lets the service read its staging directory", async () => {
    expect(await user(`SELECT count(*) FROM read_csv('${staging}/in.csv')`)).toEqual([[1n]]);
  });

  it("spills to disk past the memory limit instead of failing", async () => {
    const rows = await user(
      "SELECT count(*) FROM (SELECT range % 1000003 AS k, md5(range::VARCHAR) AS v FROM range(3000000) ORDER BY v)",
    );
    expect(rows).toEqual([[3000000n]]);
  }, 120_000);
});

describe("who folds the WAL", () => {
  // About 3 MB of WAL: past the one-node threshold, far below DuckDB's default 16 MB.
  const IMPORT =
    "CREATE TABLE events AS SELECT range % 5 AS kind, 'event-' || range AS label FROM range(100000)";
  const SUMMARY =
    "SELECT kind, count(*), min(label), max(label), sum(length(label)) FROM events GROUP BY kind ORDER BY kind";
  const walBytes = async (path: string) =>
    (await stat(`${path}.wal`).catch(() => undefined))?.size ?? 0;
  /** The summary as DuckDB gives it in memory, where nothing is ever folded or compressed. */
  async function inMemorySummary(): Promise<unknown[][]> {
    const memory = await DuckDBInstance.create(":memory:");
    try {
      const c = await memory.connect();
      await c.run(IMPORT);
      return (await c.runAndReadAll(SUMMARY)).getRows();
    } finally {
      memory.closeSync();
    }
  }

  it.each([
    ["on one node DuckDB does, at the commit that passes 1 MB", false, false],
    ["in a cluster only the service does: the WAL segments must stay the WAL", true, true],
  ])("%s", async (_who, serviceCheckpoints, walKept) => {
    const path = join(dir, `wal-${serviceCheckpoints}.duckdb`);
    const db = await openSandboxedInstance(
      path,
      staging,
      { memoryLimit: "128MB", threads: 1 },
      { serviceCheckpoints },
    );
    try {
      const c = await db.connect();
      await c.run(IMPORT);
      expect((await walBytes(path)) > 1024 * 1024).toBe(walKept);
      // Folded or not, the rows read the same.
      expect((await c.runAndReadAll(SUMMARY)).getRows()).toEqual(await inMemorySummary());
      c.closeSync();
    } finally {
      db.closeSync();
    }
  });
});
