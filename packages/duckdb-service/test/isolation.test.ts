import { access, readdir } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { signToken } from "@isa-cloud/rpc-server";
import { Status } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DuckdbClient, rowsOf, SECRET, Stack } from "./harness.js";

// What an attacker review found: writes the statement check missed, settings that stuck
// to pooled connections, identities too long for the names built from them, server paths
// shown to user SQL and other tenants' figures in GetMetrics.

let stack: Stack;

beforeAll(async () => {
  stack = await Stack.start();
});

afterAll(async () => {
  await stack.stop();
});

/** Drops the local copy (after an upload of what the service knows changed) and reopens. */
async function dropLocalCopy(client: DuckdbClient, databaseId: string): Promise<void> {
  await client.deleteDatabase({ databaseId, deleteFromMinio: false, force: false });
}

async function stagingDirs(): Promise<string[]> {
  return readdir(join(stack.cacheDir, "staging"));
}

describe("writes the statement check must not miss", () => {
  it("keeps a row written by EXPLAIN ANALYZE INSERT after the local copy is dropped", async () => {
    const alice = await stack.client("alice");
    await alice.createDatabase({ databaseName: "explained" });
    await alice.executeStatement({ databaseId: "explained", statement: "CREATE TABLE t (n INT)" });
    await dropLocalCopy(alice, "explained");
    await alice.executeQuery({
      databaseId: "explained",
      query: "EXPLAIN ANALYZE INSERT INTO t VALUES (1)",
    });
    await dropLocalCopy(alice, "explained");
    const r = await alice.executeQuery({
      databaseId: "explained",
      query: "SELECT count(*) FROM t",
    });
    expect(rowsOf(r)).toEqual([[1n]]);
  });

  it("keeps a sequence advanced by a SELECT after the local copy is dropped", async () => {
    const alice = await stack.client("alice");
    await alice.createDatabase({ databaseName: "sequenced" });
    await alice.executeStatement({ databaseId: "sequenced", statement: "CREATE SEQUENCE s" });
    await dropLocalCopy(alice, "sequenced");
    const first = await alice.executeQuery({
      databaseId: "sequenced",
      query: "SELECT nextval('s')",
    });
    await dropLocalCopy(alice, "sequenced");
    const second = await alice.executeQuery({
      databaseId: "sequenced",
      query: "SELECT nextval('s')",
    });
    expect([...rowsOf(first), ...rowsOf(second)]).toEqual([[1n], [2n]]);
  });

  it("refuses EXPLAIN ANALYZE COPY into the database's own staging directory, writing nothing", async () => {
    const alice = await stack.client("alice");
    const before = new Set(await stagingDirs());
    await alice.createDatabase({ databaseName: "copier" });
    const own = (await stagingDirs()).find((d) => !before.has(d));
    expect(own).toBeDefined();
    const file = join(stack.cacheDir, "staging", own!, "leak.csv");
    for (const query of [
      `EXPLAIN ANALYZE COPY (SELECT 42) TO '${file}'`,
      `EXPLAIN (ANALYZE, FORMAT json) COPY (SELECT 42) TO '${file}'`,
    ]) {
      await expect(alice.executeQuery({ databaseId: "copier", query })).rejects.toMatchObject({
        code: Status.PERMISSION_DENIED,
      });
    }
    await expect(
      alice.executeBatch({
        databaseId: "copier",
        statements: [`PREPARE p AS COPY (SELECT 42) TO '${file}'`, "EXECUTE p"],
      }),
    ).rejects.toMatchObject({ code: Status.INVALID_ARGUMENT });
    await expect(access(file)).rejects.toThrow();
  });
});

describe("settings are fixed per database", () => {
  it.each([
    "PRAGMA enable_profiling",
    "PRAGMA enable_profiling = 'json'",
    "PRAGMA profiling_output = '/tmp/profile.json'",
    "SET profile_output = '/tmp/profile.json'",
    "PRAGMA enable_progress_bar",
    "SET explain_output = 'all'",
    "SELECT * FROM enable_profiling()",
    "CALL enable_logging(storage = 'stdout')",
    "EXPLAIN ANALYZE PRAGMA enable_profiling",
  ])("refuses %j with INVALID_ARGUMENT, through every method", async (statement) => {
    const alice = await stack.client("alice");
    await alice.createDatabase({ databaseName: "profiled" }).catch(() => {});
    const refused = {
      code: Status.INVALID_ARGUMENT,
      details: expect.stringMatching(/settings are fixed per database/),
    };
    const databaseId = "profiled";
    await expect(alice.executeQuery({ databaseId, query: statement })).rejects.toMatchObject(
      refused,
    );
    await expect(alice.executeStatement({ databaseId, statement })).rejects.toMatchObject(refused);
    await expect(alice.executeBatch({ databaseId, statements: [statement] })).rejects.toMatchObject(
      refused,
    );
    await expect(alice.prepareStatement({ databaseId, statement })).rejects.toMatchObject(refused);
  });
});

describe("identities and names of any length", () => {
  it.each([
    ["a 300-byte sub", "u".repeat(300)],
    ["a sub of 40 CJK characters", "用".repeat(40)],
  ])("lets %s create, write, reopen, back up and query a database", async (_what, sub) => {
    const client = await stack.client(sub);
    const created = await client.createDatabase({ databaseName: "mine" });
    expect(created.databaseInfo?.userId).toBe(sub);
    await client.executeStatement({
      databaseId: "mine",
      statement: "CREATE TABLE t AS SELECT 42 AS answer",
    });
    await dropLocalCopy(client, "mine");
    expect(
      rowsOf(await client.executeQuery({ databaseId: "mine", query: "SELECT answer FROM t" })),
    ).toEqual([[42n]]);
    expect((await client.listDatabases({})).databases.map((d) => d.databaseId)).toEqual(["mine"]);
    const { backupPath } = await client.backupDatabase({ databaseId: "mine", backupName: "b1" });
    await client.restoreDatabase({ backupPath, newDatabaseName: "copy" });
    expect(
      rowsOf(await client.executeQuery({ databaseId: "copy", query: "SELECT answer FROM t" })),
    ).toEqual([[42n]]);
    // Another user with the same first 64 bytes of id sees none of it.
    const other = await stack.client(`${sub}x`);
    await expect(
      other.executeQuery({ databaseId: "mine", query: "SELECT 1" }),
    ).rejects.toMatchObject({ code: Status.NOT_FOUND });
    await expect(other.restoreDatabase({ backupPath, newDatabaseName: "x" })).rejects.toMatchObject(
      { code: Status.PERMISSION_DENIED },
    );
  });

  it("lets an organization with a 300-byte id keep a database", async () => {
    const org = "o".repeat(300);
    const carol = await stack.client("carol", org);
    await carol.createDatabase({ databaseName: "shared", organizationId: org });
    await carol.executeStatement({ databaseId: "org/shared", statement: "CREATE TABLE s (v INT)" });
    await dropLocalCopy(carol, "org/shared");
    const r = await carol.executeQuery({
      databaseId: "org/shared",
      query: "SELECT count(*) FROM s",
    });
    expect(rowsOf(r)).toEqual([[0n]]);
  });

  it("stores a database name of 128 upper-case letters", async () => {
    const alice = await stack.client("alice");
    const name = "N".repeat(128);
    await alice.createDatabase({ databaseName: name });
    await alice.executeStatement({ databaseId: name, statement: "CREATE TABLE t (n INT)" });
    await dropLocalCopy(alice, name);
    const info = await alice.getDatabaseInfo({ databaseId: name });
    expect(info.databaseInfo).toMatchObject({ databaseName: name, tableCount: 1 });
  });

  it("answers INVALID_ARGUMENT naming the limit for a longer database name, on every method", async () => {
    const alice = await stack.client("alice");
    const name = "n".repeat(129);
    const invalid = { code: Status.INVALID_ARGUMENT, details: expect.stringMatching(/128/) };
    await expect(alice.createDatabase({ databaseName: name })).rejects.toMatchObject(invalid);
    await expect(alice.executeQuery({ databaseId: name, query: "SELECT 1" })).rejects.toMatchObject(
      invalid,
    );
    await expect(alice.getDatabaseInfo({ databaseId: name })).rejects.toMatchObject(invalid);
    await expect(alice.getMetrics({ databaseId: name })).rejects.toMatchObject(invalid);
    await expect(
      alice.restoreDatabase({ backupPath: "backups/user-61/x/y.duckdb", newDatabaseName: name }),
    ).rejects.toMatchObject(invalid);
  });
});

describe("server paths", () => {
  it.each([
    "SELECT current_setting('allowed_directories')",
    "SELECT current_setting('temp_directory')",
    "SELECT * FROM duckdb_settings()",
    "SELECT path FROM duckdb_databases()",
    "PRAGMA database_list",
    "SELECT * FROM duckdb_temporary_files()",
    "SELECT * FROM duckdb_extensions()",
    "SELECT * FROM query('SELECT * FROM duckdb_' || 'settings()')",
  ])("refuses %j without showing one", async (query) => {
    const alice = await stack.client("alice");
    await alice.createDatabase({ databaseName: "paths" }).catch(() => {});
    const err = await alice.executeQuery({ databaseId: "paths", query }).catch((e) => e);
    expect(err).toMatchObject({ code: Status.PERMISSION_DENIED });
    expect(err.details).not.toContain(stack.dir);
  });

  it("names no server path in DuckDB's errors about a staged file", async () => {
    const alice = await stack.client("alice");
    await alice.createDatabase({ databaseName: "paths" }).catch(() => {});
    const store = await stack.store("alice");
    await store.createBucket("files");
    await store.putObject("files", "broken.json", "{not json");
    const request = { databaseId: "paths", bucketName: "files", objectKey: "broken.json" };
    const errors = await Promise.all([
      alice
        .importFromMinIO({ ...request, tableName: "t", format: "json", createTable: true })
        .catch((e) => e),
      alice.queryMinIOFile({ ...request, format: "json", query: "" }).catch((e) => e),
    ]);
    for (const err of errors) {
      expect(err).toMatchObject({ code: Status.INVALID_ARGUMENT });
      expect(err.details).toMatch(/Malformed JSON/);
      expect(err.details).not.toContain(stack.dir);
    }
  });

  it("shows none in what user SQL may still ask about the database", async () => {
    const alice = await stack.client("alice");
    await alice.createDatabase({ databaseName: "paths" }).catch(() => {});
    const answers = await Promise.all(
      [
        "SELECT * FROM duckdb_tables()",
        "PRAGMA database_size",
        "SELECT current_database(), current_setting('threads'), current_setting('memory_limit')",
        "SHOW ALL TABLES",
      ].map((query) => alice.executeQuery({ databaseId: "paths", query })),
    );
    const text = JSON.stringify(answers.map(rowsOf), (_k, v) =>
      typeof v === "bigint" ? String(v) : v,
    );
    expect(text).not.toContain(stack.dir);
    expect(text).not.toContain(homedir());
  });
});

describe("GetMetrics and HealthCheck", () => {
  it("gives a user their own figures and the service's only to a system token", async () => {
    const mallory = await stack.client("mallory");
    const trent = await stack.client("trent");
    await mallory.createDatabase({ databaseName: "m" });
    await trent.createDatabase({ databaseName: "t1" });
    await trent.createDatabase({ databaseName: "t2" });
    for (let i = 0; i < 5; i++) {
      await trent.executeQuery({ databaseId: "t1", query: "SELECT 1" });
      await trent.executeQuery({ databaseId: "t2", query: "SELECT 1" });
    }
    await mallory.executeQuery({ databaseId: "m", query: "SELECT 1" });

    const own = await mallory.getMetrics({ databaseId: "" });
    expect(own.totalQueries).toBe(1n);
    expect(own.metrics).toMatchObject({ scope: "caller", open_databases: 1 });
    expect(own.metrics).not.toHaveProperty("max_open_databases");

    const system = stack.clientWithToken(
      await signToken({ secret: SECRET, sub: "ops", system: true }),
    );
    const all = await system.getMetrics({ databaseId: "" });
    expect(all.metrics).toMatchObject({ scope: "service" });
    expect(all.totalQueries).toBeGreaterThanOrEqual(11n);
    expect(all.metrics?.open_databases as number).toBeGreaterThanOrEqual(3);

    const health = await mallory.healthCheck({ databaseId: "", detailed: true });
    expect(health.details).not.toHaveProperty("open_databases");
    expect(health.details).not.toHaveProperty("active_connections");
    const systemHealth = await system.healthCheck({ databaseId: "", detailed: true });
    expect(systemHealth.details?.open_databases as number).toBeGreaterThanOrEqual(3);
  });
});
