import type { duckdb } from "@isa-cloud/proto";
import { Status } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DuckdbClient, plain, rowsOf, Stack } from "./harness.js";

let stack: Stack;
let alice: DuckdbClient;
const db = "t";

const column = (
  name: string,
  dataType: string,
  extra: Partial<duckdb.ColumnInfo> = {},
): duckdb.ColumnInfo => ({
  name,
  dataType,
  nullable: true,
  defaultValue: "",
  isPrimaryKey: false,
  isUnique: false,
  comment: "",
  ...extra,
});

beforeAll(async () => {
  stack = await Stack.start();
  alice = await stack.client("alice");
  await alice.createDatabase({ databaseName: db });
});

afterAll(async () => {
  await stack.stop();
});

describe("tables", () => {
  it("creates a table from column definitions and describes it", async () => {
    const r = await alice.createTable({
      databaseId: db,
      tableName: "user_events",
      columns: [
        column("id", "BIGINT", { isPrimaryKey: true, nullable: false }),
        column("event_type", "VARCHAR", { nullable: false, comment: "what happened" }),
        column("value", "DECIMAL(18,3)", { defaultValue: "0" }),
        column("email", "VARCHAR", { isUnique: true }),
        column("tags", "VARCHAR[]"),
      ],
      primaryKeys: [],
      ifNotExists: false,
      comment: "the guide's events",
    });
    expect(r.tableInfo).toMatchObject({
      tableName: "user_events",
      schemaName: "main",
      tableType: "BASE TABLE",
      rowCount: 0n,
      comment: "the guide's events",
    });
    expect(
      r.tableInfo?.columns.map((c) => [c.name, c.dataType, c.nullable, c.isPrimaryKey, c.isUnique]),
    ).toEqual([
      ["id", "BIGINT", false, true, false],
      ["event_type", "VARCHAR", false, false, false],
      ["value", "DECIMAL(18,3)", true, false, false],
      ["email", "VARCHAR", true, false, true],
      ["tags", "VARCHAR[]", true, false, false],
    ]);
    expect(r.tableInfo?.columns[1]?.comment).toBe("what happened");
    expect(r.tableInfo?.columns[2]?.defaultValue).toMatch(/0/);
  });

  it("answers ALREADY_EXISTS for an existing table unless if_not_exists", async () => {
    const request = {
      databaseId: db,
      tableName: "user_events",
      columns: [column("x", "INTEGER")],
      primaryKeys: [],
      ifNotExists: false,
      comment: "",
    };
    await expect(alice.createTable(request)).rejects.toMatchObject({ code: Status.ALREADY_EXISTS });
    const again = await alice.createTable({ ...request, ifNotExists: true });
    expect(again.tableInfo?.columns).toHaveLength(5);
  });

  it("rejects bad table definitions with INVALID_ARGUMENT and creates nothing", async () => {
    const base = {
      databaseId: db,
      tableName: "bad",
      primaryKeys: [],
      ifNotExists: false,
      comment: "",
    };
    for (const request of [
      { ...base, columns: [] },
      { ...base, columns: [column("a", "NOSUCHTYPE")] },
      { ...base, columns: [column("a", "INTEGER"), column("a", "INTEGER")] },
      { ...base, columns: [column("a", "")] },
      { ...base, columns: [column("a", "INTEGER")], primaryKeys: ["b"] },
      { ...base, tableName: "", columns: [column("a", "INTEGER")] },
    ]) {
      await expect(alice.createTable(request)).rejects.toMatchObject({
        code: Status.INVALID_ARGUMENT,
      });
    }
    await expect(alice.getTableSchema({ databaseId: db, tableName: "bad" })).rejects.toMatchObject({
      code: Status.NOT_FOUND,
    });
  });

  it("lists tables with row counts, by schema and name filter", async () => {
    await alice.executeStatement({
      databaseId: db,
      statement: "CREATE TABLE numbers AS SELECT range AS n FROM range(10)",
    });
    await alice.executeStatement({ databaseId: db, statement: "CREATE SCHEMA other" });
    await alice.executeStatement({
      databaseId: db,
      statement: "CREATE TABLE other.numbers2 (n INTEGER)",
    });
    const all = await alice.listTables({ databaseId: db, schemaName: "", nameFilter: "" });
    expect(all.tables.map((t) => t.tableName)).toEqual(
      expect.arrayContaining(["numbers", "user_events"]),
    );
    const filtered = await alice.listTables({ databaseId: db, schemaName: "", nameFilter: "numb" });
    expect(filtered.tables.map((t) => [t.tableName, t.rowCount])).toEqual([["numbers", 10n]]);
    const other = await alice.listTables({ databaseId: db, schemaName: "other", nameFilter: "" });
    expect(other.tables.map((t) => `${t.schemaName}.${t.tableName}`)).toEqual(["other.numbers2"]);
  });

  it("gives per-column statistics", async () => {
    await alice.executeStatement({
      databaseId: db,
      statement:
        "CREATE TABLE stats AS SELECT range AS n, CASE WHEN range % 2 = 0 THEN 'even' END AS s, MAP {'k': range} AS m FROM range(100)",
    });
    await alice.executeStatement({ databaseId: db, statement: "CHECKPOINT" });
    const r = await alice.getTableStats({
      databaseId: db,
      tableName: "stats",
      includeColumns: true,
    });
    expect(r.stats?.rowCount).toBe(100n);
    expect(r.stats?.sizeBytes).toBeGreaterThan(0n);
    const byName = Object.fromEntries(r.stats!.columnStats.map((c) => [c.columnName, c]));
    expect(byName.n).toMatchObject({ distinctCount: 100n, nullCount: 0n });
    expect(plain(byName.n!.minValue)).toBe(0n);
    expect(plain(byName.n!.maxValue)).toBe(99n);
    expect(byName.s).toMatchObject({ distinctCount: 1n, nullCount: 50n });
    expect(plain(byName.s!.maxValue)).toBe("even");
    expect(byName.m?.nullCount).toBe(0n);
    const bare = await alice.getTableStats({
      databaseId: db,
      tableName: "stats",
      includeColumns: false,
    });
    expect(bare.stats?.columnStats).toEqual([]);
    await expect(
      alice.getTableStats({ databaseId: db, tableName: "nope", includeColumns: true }),
    ).rejects.toMatchObject({
      code: Status.NOT_FOUND,
    });
  });

  it("drops tables, with if_exists and NOT_FOUND", async () => {
    await alice.executeStatement({ databaseId: db, statement: "CREATE TABLE doomed (x INTEGER)" });
    await alice.dropTable({ databaseId: db, tableName: "doomed", ifExists: false, cascade: false });
    await expect(
      alice.dropTable({ databaseId: db, tableName: "doomed", ifExists: false, cascade: false }),
    ).rejects.toMatchObject({ code: Status.NOT_FOUND });
    expect(
      (
        await alice.dropTable({
          databaseId: db,
          tableName: "doomed",
          ifExists: true,
          cascade: false,
        })
      ).success,
    ).toBe(true);
  });

  it("handles odd table names as names, never as SQL", async () => {
    const name = 'we"ird; DROP TABLE numbers; --';
    await alice.createTable({
      databaseId: db,
      tableName: name,
      columns: [column("a b", "INTEGER")],
      primaryKeys: [],
      ifNotExists: false,
      comment: "it's",
    });
    const schema = await alice.getTableSchema({ databaseId: db, tableName: name });
    expect(schema.tableInfo).toMatchObject({ tableName: name, comment: "it's" });
    expect(
      rowsOf(await alice.executeQuery({ databaseId: db, query: "SELECT count(*) FROM numbers" })),
    ).toEqual([[10n]]);
  });
});

describe("views and functions", () => {
  it("creates, lists, replaces and drops views", async () => {
    await alice.createView({
      databaseId: db,
      viewName: "small",
      query: "SELECT n FROM numbers WHERE n < 3;",
      replace: false,
    });
    expect(
      rowsOf(await alice.executeQuery({ databaseId: db, query: "SELECT count(*) FROM small" })),
    ).toEqual([[3n]]);
    await expect(
      alice.createView({ databaseId: db, viewName: "small", query: "SELECT 1", replace: false }),
    ).rejects.toMatchObject({ code: Status.ALREADY_EXISTS });
    await alice.createView({
      databaseId: db,
      viewName: "small",
      query: "SELECT n FROM numbers WHERE n < 5",
      replace: true,
    });
    expect(
      rowsOf(await alice.executeQuery({ databaseId: db, query: "SELECT count(*) FROM small" })),
    ).toEqual([[5n]]);
    expect((await alice.listViews({ databaseId: db })).views).toEqual(["small"]);
    const schema = await alice.getTableSchema({ databaseId: db, tableName: "small" });
    expect(schema.tableInfo?.tableType).toBe("VIEW");
    await alice.dropView({ databaseId: db, viewName: "small" });
    await expect(alice.dropView({ databaseId: db, viewName: "small" })).rejects.toMatchObject({
      code: Status.NOT_FOUND,
    });
  });

  it("rejects views that are not one SELECT, or that shadow a table", async () => {
    for (const query of ["", "DELETE FROM numbers", "SELECT 1; SELECT 2", "SELEC"]) {
      await expect(
        alice.createView({ databaseId: db, viewName: "v", query, replace: true }),
      ).rejects.toMatchObject({
        code: Status.INVALID_ARGUMENT,
      });
    }
    await expect(
      alice.createView({ databaseId: db, viewName: "numbers", query: "SELECT 1", replace: true }),
    ).rejects.toMatchObject({ code: Status.ALREADY_EXISTS });
    expect(
      rowsOf(await alice.executeQuery({ databaseId: db, query: "SELECT count(*) FROM numbers" })),
    ).toEqual([[10n]]);
  });

  it("creates SQL macros", async () => {
    await alice.createFunction({
      databaseId: db,
      functionName: "add_tax",
      functionBody: "amount * (1 + rate)",
      parameters: ["amount", "rate"],
      returnType: "DOUBLE",
    });
    expect(
      rowsOf(await alice.executeQuery({ databaseId: db, query: "SELECT add_tax(100, 0.5)" })),
    ).toEqual([["150.0"]]);
    for (const request of [
      { functionName: "f", functionBody: "", parameters: [] },
      { functionName: "f", functionBody: "a +", parameters: ["a"] },
      { functionName: "f", functionBody: "1", parameters: ["a", "a"] },
      { functionName: "f", functionBody: "1; DROP TABLE numbers", parameters: [] },
    ]) {
      await expect(
        alice.createFunction({ databaseId: db, returnType: "", ...request }),
      ).rejects.toMatchObject({
        code: Status.INVALID_ARGUMENT,
      });
    }
  });
});

describe("extensions, health and metrics", () => {
  it("lists the built-in extensions as loaded", async () => {
    const r = await alice.listExtensions({ databaseId: db });
    const loaded = r.extensions.filter((e) => e.loaded).map((e) => e.name);
    expect(loaded).toEqual(expect.arrayContaining(["json", "parquet", "icu"]));
  });

  it("accepts installing a built-in extension and refuses others with FAILED_PRECONDITION", async () => {
    expect((await alice.installExtension({ databaseId: db, extensionName: "json" })).success).toBe(
      true,
    );
    await expect(
      alice.installExtension({ databaseId: db, extensionName: "httpfs" }),
    ).rejects.toMatchObject({
      code: Status.FAILED_PRECONDITION,
      details: expect.stringContaining("not built into this server"),
    });
    await expect(
      alice.installExtension({ databaseId: db, extensionName: "../x" }),
    ).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
    });
    await expect(
      alice.installExtension({ databaseId: "nope", extensionName: "json" }),
    ).rejects.toMatchObject({
      code: Status.NOT_FOUND,
    });
  });

  it("answers health checks without a token, and checks a database for its owner", async () => {
    const anonymous = stack.clientWithToken(undefined);
    const health = await anonymous.healthCheck({ databaseId: "", detailed: true });
    expect(health).toMatchObject({ healthy: true, status: "SERVING" });
    expect(health.details?.duckdb_version).toMatch(/^v/);
    await expect(anonymous.healthCheck({ databaseId: db, detailed: false })).rejects.toMatchObject({
      code: Status.UNAUTHENTICATED,
    });
    expect((await alice.healthCheck({ databaseId: db, detailed: false })).healthy).toBe(true);
    await expect(alice.healthCheck({ databaseId: "nope", detailed: false })).rejects.toMatchObject({
      code: Status.NOT_FOUND,
    });
  });

  it("reports query counts, timings and cache figures", async () => {
    await alice.executeQuery({ databaseId: db, query: "SELECT 1" });
    const all = await alice.getMetrics({ databaseId: "" });
    expect(all.totalQueries).toBeGreaterThan(0n);
    expect(all.cacheHits + all.cacheMisses).toBeGreaterThan(0n);
    expect(all.metrics).toMatchObject({ open_databases: 1 });
    const one = await alice.getMetrics({ databaseId: db });
    expect(one.totalQueries).toBeGreaterThan(0n);
    expect(one.avgQueryTimeMs).toBeGreaterThan(0);
    await expect(alice.getMetrics({ databaseId: "nope" })).rejects.toMatchObject({
      code: Status.NOT_FOUND,
    });
  });
});
