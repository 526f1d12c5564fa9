import {
  AlreadyExistsError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
} from "@isa-cloud/rpc/wire";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DuckdbClient } from "../src/index.js";
import { type Stack, startStack } from "./stack.js";

const DB = "tables";

describe("tables, views, functions and extensions", () => {
  let stack: Stack;
  let client: DuckdbClient;

  beforeAll(async () => {
    stack = await startStack();
    client = await stack.client("tabler");
    await client.createDatabase(DB);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("creates a table from column definitions and reads its schema back", async () => {
    const created = await client.createTable(
      DB,
      "people",
      [
        { name: "id", type: "BIGINT", nullable: false },
        { name: "name", type: "VARCHAR", comment: "full name" },
        { name: "score", type: "DECIMAL(5,2)", defaultValue: "0" },
        { name: "tags", type: "VARCHAR[]" },
      ],
      { primaryKeys: ["id"], comment: "everyone" },
    );
    expect(created.tableName).toBe("people");
    const schema = await client.getTableSchema(DB, "people");
    expect(schema.columns.map((c) => [c.name, c.type])).toEqual([
      ["id", "BIGINT"],
      ["name", "VARCHAR"],
      ["score", "DECIMAL(5,2)"],
      ["tags", "VARCHAR[]"],
    ]);
    expect(schema.columns[0]).toMatchObject({ nullable: false, isPrimaryKey: true });
    expect(schema.columns[2]?.defaultValue).toMatch(/0/);
  });

  it("refuses an existing table with AlreadyExistsError unless ifNotExists", async () => {
    await expect(
      client.createTable(DB, "people", [{ name: "x", type: "INTEGER" }]),
    ).rejects.toBeInstanceOf(AlreadyExistsError);
    await client.createTable(DB, "people", [{ name: "x", type: "INTEGER" }], { ifNotExists: true });
  });

  it("refuses a column type DuckDB does not know with InvalidArgumentError", async () => {
    await expect(
      client.createTable(DB, "bad", [{ name: "x", type: "NOT_A_TYPE" }]),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it("lists tables with their row counts, filtered by name", async () => {
    await client.execute(
      DB,
      "INSERT INTO people VALUES (1, 'Ann', 9.5, ['a']), (2, 'Bo', NULL, []), (3, NULL, 1, NULL)",
    );
    const tables = await client.listTables(DB, { nameFilter: "peop" });
    expect(tables.map((t) => t.tableName)).toEqual(["people"]);
    expect(tables[0]?.rowCount).toBe(3);
    expect(tables[0]?.tableType).toBe("BASE TABLE");
  });

  it("reports table statistics with per-column distinct, min, max and null counts", async () => {
    const stats = await client.getTableStats(DB, "people", { includeColumns: true });
    expect(stats.rowCount).toBe(3);
    const id = stats.columns.find((c) => c.columnName === "id");
    expect(id).toMatchObject({ distinctCount: 3, nullCount: 0, min: 1, max: 3 });
    const name = stats.columns.find((c) => c.columnName === "name");
    expect(name).toMatchObject({ nullCount: 1, min: "Ann", max: "Bo" });
    const brief = await client.getTableStats(DB, "people");
    expect(brief.columns).toEqual([]);
  });

  it("reports a missing table as NotFoundError", async () => {
    await expect(client.getTableSchema(DB, "ghost")).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.getTableStats(DB, "ghost")).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.dropTable(DB, "ghost")).rejects.toBeInstanceOf(NotFoundError);
    await client.dropTable(DB, "ghost", { ifExists: true });
  });

  it("creates, replaces, lists and drops views", async () => {
    await client.createView(DB, "top", "SELECT * FROM people WHERE score > 5");
    await expect(client.createView(DB, "top", "SELECT 1")).rejects.toBeInstanceOf(
      AlreadyExistsError,
    );
    await client.createView(DB, "top", "SELECT id FROM people WHERE score > 0", { replace: true });
    expect(await client.listViews(DB)).toEqual(["top"]);
    const { rows } = await client.query(DB, "SELECT id FROM top ORDER BY id");
    expect(rows).toEqual([{ id: 1n }, { id: 3n }]);
    await client.dropView(DB, "top");
    expect(await client.listViews(DB)).toEqual([]);
    await expect(client.dropView(DB, "top")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("drops a table", async () => {
    await client.execute(DB, "CREATE TABLE scratch (x INTEGER)");
    await client.dropTable(DB, "scratch");
    expect((await client.listTables(DB)).map((t) => t.tableName)).not.toContain("scratch");
  });

  it("creates a SQL function usable in queries", async () => {
    await client.createFunction(DB, "add_tax", ["amount", "rate"], "amount * (1 + rate)");
    const { rows } = await client.query(DB, "SELECT add_tax(100, 0.25)::DOUBLE AS total");
    expect(rows).toEqual([{ total: 125 }]);
    await expect(client.createFunction(DB, "broken", ["a"], "a +")).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
  });

  it("lists extensions and refuses to install one at run time with FailedPreconditionError", async () => {
    const extensions = await client.listExtensions(DB);
    expect(extensions.length).toBeGreaterThan(0);
    expect(extensions.some((e) => e.loaded)).toBe(true);
    await expect(client.installExtension(DB, "spatial")).rejects.toBeInstanceOf(
      FailedPreconditionError,
    );
  });
});
