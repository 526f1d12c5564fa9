import { Status } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DuckdbClient, rowsOf, Stack, v } from "./harness.js";

// Statements kept prepared per connection (engine/statement-cache.ts), seen through the
// RPCs: what a kept statement reads must follow every change a call makes.
let stack: Stack;
let alice: DuckdbClient;
const db = "kept";

beforeAll(async () => {
  stack = await Stack.start();
  alice = await stack.client("alice");
  await alice.createDatabase({ databaseName: db });
  await alice.executeStatement({ databaseId: db, statement: "CREATE VIEW v AS SELECT 1 AS a" });
});

afterAll(async () => {
  await stack.stop();
});

const select = () => alice.executeQuery({ databaseId: db, query: "SELECT * FROM v" });

describe("kept statements", () => {
  it("read a view replaced since they were prepared", async () => {
    expect(rowsOf(await select())).toEqual([[1n]]);
    await alice.executeStatement({
      databaseId: db,
      statement: "CREATE OR REPLACE VIEW v AS SELECT 'b' AS b, 2 AS c",
    });
    const after = await select();
    expect(after.columns).toEqual(["b", "c"]);
    expect(rowsOf(after)).toEqual([["b", 2n]]);
  });

  it("do not keep what a rolled-back batch saw", async () => {
    await expect(
      alice.executeBatch({
        databaseId: db,
        transaction: true,
        statements: [
          "CREATE OR REPLACE VIEW v AS SELECT 'gone' AS g",
          "SELECT * FROM v",
          "SELECT * FROM no_such_table",
        ],
      }),
    ).rejects.toMatchObject({ code: Status.INVALID_ARGUMENT });
    expect((await select()).columns).toEqual(["b", "c"]);
  });

  it("see rows inserted since they were prepared, where DuckDB folded a filter by statistics", async () => {
    await alice.executeStatement({
      databaseId: db,
      statement: "CREATE TABLE s AS SELECT range::INTEGER AS x FROM range(10)",
    });
    const over = () =>
      alice.executeQuery({ databaseId: db, query: "SELECT count(*) FROM s WHERE x > 20" });
    expect(rowsOf(await over())).toEqual([[0n]]);
    await alice.executeStatement({ databaseId: db, statement: "INSERT INTO s VALUES (30)" });
    expect(rowsOf(await over())).toEqual([[1n]]);
    await alice.executeBatch({
      databaseId: db,
      transaction: true,
      statements: ["INSERT INTO s VALUES (40)", "DELETE FROM s WHERE x < 5"],
    });
    expect(rowsOf(await over())).toEqual([[2n]]);
  });

  it("serve a PrepareStatement id with each call's parameters and no others", async () => {
    const { statementId } = await alice.prepareStatement({
      databaseId: db,
      statement: "SELECT $n::INTEGER * 2 AS twice",
    });
    for (const n of [1n, 2n, 3n]) {
      const r = await alice.executeQuery({
        databaseId: db,
        query: statementId,
        parameters: { n: v.i(n) },
      });
      expect(rowsOf(r)).toEqual([[n * 2n]]);
    }
    await expect(alice.executeQuery({ databaseId: db, query: statementId })).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
      details: expect.stringContaining("missing parameter $n"),
    });
  });

  it("refuse a kept write under read_only", async () => {
    await alice.executeStatement({ databaseId: db, statement: "CREATE TABLE w (n INTEGER)" });
    const insert = "INSERT INTO w VALUES (1)";
    await alice.executeQuery({ databaseId: db, query: insert });
    await expect(
      alice.executeQuery({ databaseId: db, query: insert, readOnly: true }),
    ).rejects.toMatchObject({ code: Status.INVALID_ARGUMENT });
    await expect(
      alice
        .executeQueryStream({ databaseId: db, query: insert, readOnly: true })
        [Symbol.asyncIterator]()
        .next(),
    ).rejects.toMatchObject({ code: Status.INVALID_ARGUMENT });
    const count = await alice.executeQuery({ databaseId: db, query: "SELECT count(*) FROM w" });
    expect(rowsOf(count)).toEqual([[1n]]);
  });
});
