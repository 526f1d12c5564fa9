import {
  DeadlineExceededError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  ResourceExhaustedError,
} from "@isa-cloud/rpc/wire";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DuckdbClient } from "../src/index.js";
import { type Stack, startStack } from "./stack.js";

const DB = "user-q1-analytics";

describe("queries and statements", () => {
  let stack: Stack;
  let client: DuckdbClient;

  beforeAll(async () => {
    stack = await startStack();
    client = await stack.client("q1");
    await client.createDatabase(DB);
    await client.execute(
      DB,
      "CREATE TABLE events AS SELECT i AS id, 'type' || (i % 3) AS event_type, i * 1.5 AS value FROM range(100) t(i)",
    );
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("returns rows, column names and types, and the execution time", async () => {
    const result = await client.query(
      DB,
      "SELECT event_type, count(*) AS n FROM events GROUP BY event_type ORDER BY event_type",
    );
    expect(result.rows).toEqual([
      { event_type: "type0", n: 34n },
      { event_type: "type1", n: 33n },
      { event_type: "type2", n: 33n },
    ]);
    expect(result.columns).toEqual([
      { name: "event_type", type: "VARCHAR" },
      { name: "n", type: "BIGINT" },
    ]);
    expect(result.executionTimeMs).toBeGreaterThanOrEqual(0);
  });

  it("binds parameters by name, never pasting them into the SQL", async () => {
    const { rows } = await client.query(
      DB,
      "SELECT count(*) AS n FROM events WHERE event_type = $t",
      {
        t: "type1' OR '1'='1",
      },
    );
    expect(rows).toEqual([{ n: 0n }]);
  });

  it("stops after maxRows", async () => {
    const { rows } = await client.query(
      DB,
      "SELECT id FROM events ORDER BY id",
      {},
      { maxRows: 5 },
    );
    expect(rows).toHaveLength(5);
  });

  it("keeps columns of the same name apart", async () => {
    const { rows, columns } = await client.query(DB, "SELECT 1 AS a, 2 AS a");
    expect(rows).toEqual([{ a: 1, a_1: 2 }]);
    expect(columns.map((c) => c.name)).toEqual(["a", "a_1"]);
  });

  it("explains a query instead of running it", async () => {
    const plan = await client.explain(DB, "SELECT * FROM events WHERE id > $x", { x: 5 });
    expect(plan).toMatch(/SCAN|FILTER/i);
  });

  it("reports bad SQL as InvalidArgumentError with DuckDB's message", async () => {
    const err = await client.query(DB, "SELEC 1").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as InvalidArgumentError).details).toMatch(/syntax error/i);
    await expect(client.query(DB, "SELECT * FROM missing_table")).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
  });

  it("reports a missing database as NotFoundError", async () => {
    await expect(client.query("no-such-db", "SELECT 1")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("interrupts a query that runs past timeoutSeconds with DeadlineExceededError", async () => {
    await expect(
      client.query(
        DB,
        "SELECT count(*) FROM range(10000000000) a, range(100) b WHERE a.range + b.range = -1",
        {},
        { timeoutSeconds: 1 },
      ),
    ).rejects.toBeInstanceOf(DeadlineExceededError);
    // The connection is usable afterwards.
    expect((await client.query(DB, "SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
  });

  it("refuses a result too large for one message with ResourceExhaustedError", async () => {
    const err = await client
      .query(DB, "SELECT repeat('x', 1000) AS s FROM range(20000)")
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResourceExhaustedError);
    expect((err as ResourceExhaustedError).details).toMatch(/stream/i);
  });

  it("runs statements and reports the rows they changed", async () => {
    await client.execute(DB, "CREATE TABLE counters (k VARCHAR PRIMARY KEY, v BIGINT)");
    const ins = await client.execute(
      DB,
      "INSERT INTO counters VALUES ('a', 1), ('b', 2), ($k, $v)",
      {
        k: "c",
        v: 3,
      },
    );
    expect(ins.affectedRows).toBe(3);
    const upd = await client.execute(DB, "UPDATE counters SET v = v + 1 WHERE v >= $min", {
      min: 2,
    });
    expect(upd.affectedRows).toBe(2);
  });

  it("runs a batch in one transaction and rolls all of it back when one statement fails", async () => {
    await client.execute(DB, "CREATE TABLE ledger (n INTEGER)");
    const ok = await client.executeBatch(
      DB,
      ["INSERT INTO ledger VALUES (1)", "INSERT INTO ledger VALUES (2)"],
      { transaction: true },
    );
    expect(ok.results.map((r) => r.affectedRows)).toEqual([1, 1]);
    await expect(
      client.executeBatch(DB, ["INSERT INTO ledger VALUES (3)", "INSERT INTO nowhere VALUES (4)"], {
        transaction: true,
      }),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
    const { rows } = await client.query(DB, "SELECT n FROM ledger ORDER BY n");
    expect(rows).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it("prepares a statement and reports its parameter types", async () => {
    const prepared = await client.prepare(DB, "SELECT * FROM events WHERE id = $id");
    expect(prepared.statementId).not.toBe("");
    expect(prepared.parameterTypes).toHaveLength(1);
    await expect(client.prepare(DB, "SELEC nonsense")).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it("runs many queries at once over a pool of connections", async () => {
    const pooled = await stack.client("q1", { poolSize: 4 });
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        pooled.query(DB, "SELECT $i + 1 AS n", { i }).then((r) => r.rows[0]?.n),
      ),
    );
    expect(results).toEqual(Array.from({ length: 40 }, (_, i) => BigInt(i + 1)));
  });

  it("answers the guide's analyze_data(db_id, user_id, query) with rows as objects", async () => {
    const rows = await client.analyzeData(
      DB,
      "q1",
      "SELECT event_type, COUNT(*) AS count FROM events GROUP BY event_type ORDER BY count DESC, event_type",
    );
    expect(rows[0]).toEqual({ event_type: "type0", count: 34n });
    expect(await client.analyzeData(DB, undefined, "SELECT 1 AS x")).toEqual([{ x: 1 }]);
    await expect(client.analyzeData(DB, "someone-else", "SELECT 1")).rejects.toBeInstanceOf(
      PermissionDeniedError,
    );
  });
});
