import { Status } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DuckdbClient, plain, rowsOf, Stack } from "./harness.js";

let stack: Stack;
let alice: DuckdbClient;
const db = "ro";

beforeAll(async () => {
  stack = await Stack.start();
  alice = await stack.client("alice");
  await alice.createDatabase({ databaseName: db });
  await alice.executeStatement({
    databaseId: db,
    statement: "CREATE TABLE t AS SELECT range AS n FROM range(3); CREATE SEQUENCE s",
  });
});

afterAll(async () => {
  await stack.stop();
});

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream) out.push(item);
  return out;
}

/** The first value of each row, through each of the three query methods, with read_only. */
const methods: Array<[string, (query: string) => Promise<unknown[]>]> = [
  [
    "ExecuteQuery",
    async (query) =>
      rowsOf(await alice.executeQuery({ databaseId: db, query, readOnly: true })).map((r) => r[0]),
  ],
  [
    "ExecuteQueryStream",
    async (query) =>
      (await collect(alice.executeQueryStream({ databaseId: db, query, readOnly: true })))
        .flatMap((chunk) => chunk.rows)
        .map((row) => plain(row.values[0])),
  ],
  [
    "ExecuteQueryColumnar",
    async (query) =>
      (
        await collect(alice.executeQueryColumnar({ databaseId: db, query, readOnly: true }))
      ).flatMap((chunk) => (chunk.rowCount > 0 ? [chunk.rowCount] : [])),
  ],
];

async function state(): Promise<unknown[][]> {
  return rowsOf(
    await alice.executeQuery({
      databaseId: db,
      query:
        "SELECT (SELECT count(*) FROM t), (SELECT count(*) FROM duckdb_tables()), (SELECT max(n) FROM t), " +
        "(SELECT last_value FROM duckdb_sequences() WHERE sequence_name = 's')",
    }),
  );
}

describe.each(methods)("read_only through %s", (_method, run) => {
  it.each([
    "SELECT n FROM t ORDER BY n",
    "EXPLAIN SELECT n FROM t",
    "DESCRIBE t",
    "EXPLAIN ANALYZE SELECT n FROM t",
  ])("answers %j", async (query) => {
    expect((await run(query)).length).toBeGreaterThan(0);
  });

  it.each([
    ["an INSERT", "INSERT INTO t VALUES (10)"],
    ["a CREATE", "CREATE TABLE u AS SELECT 1 AS x"],
    ["several statements", "SELECT 1; INSERT INTO t VALUES (11)"],
    ["EXPLAIN ANALYZE of an INSERT", "EXPLAIN ANALYZE INSERT INTO t VALUES (12)"],
    ["a SELECT that advances a sequence", "SELECT nextval('s')"],
  ])("refuses %s and writes nothing", async (_what, query) => {
    const before = await state();
    await expect(run(query)).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
      details: expect.stringMatching(/read-only|read_only/),
    });
    expect(await state()).toEqual(before);
  });
});

describe("read_only", () => {
  it("says the statement is not read-only and what is allowed", async () => {
    await expect(
      alice.executeQuery({ databaseId: db, query: "DELETE FROM t", readOnly: true }),
    ).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
      details: expect.stringMatching(/not read-only \(DELETE\); allowed: SELECT .*EXPLAIN/),
    });
  });

  it("changes nothing for requests without it", async () => {
    await alice.executeQuery({ databaseId: db, query: "INSERT INTO t VALUES (100)" });
    expect(await state()).toEqual([[4n, 1n, 100n, null]]);
    await alice.executeQuery({ databaseId: db, query: "DELETE FROM t WHERE n = 100" });
  });

  it("leaves no read-only transaction behind on the pooled connection", async () => {
    for (let i = 0; i < 10; i++) {
      await alice.executeQuery({ databaseId: db, query: "SELECT 1", readOnly: true });
    }
    await alice.executeStatement({ databaseId: db, statement: "INSERT INTO t VALUES (200)" });
    await alice.executeStatement({ databaseId: db, statement: "DELETE FROM t WHERE n = 200" });
  });
});
