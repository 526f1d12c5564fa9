import { DuckDBServiceDefinition, type duckdb } from "@isa-cloud/proto";
import { createServer, type Server } from "nice-grpc";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createDuckdbClient,
  type DuckdbClient,
  InvalidArgumentError,
  type QueryStream,
} from "../src/index.js";
import { type Stack, startStack } from "./stack.js";

const DB = "read-only";

async function drain<T>(stream: QueryStream<T>): Promise<T[]> {
  const rows: T[] = [];
  for await (const row of stream) rows.push(row);
  return rows;
}

describe("the readOnly option on the wire", () => {
  // A loopback server with the three query calls, recording what each request carried.
  let server: Server;
  let client: DuckdbClient;
  const seen: Array<[string, boolean]> = [];

  beforeAll(async () => {
    const { executeQuery, executeQueryStream, executeQueryColumnar } =
      DuckDBServiceDefinition.methods;
    server = createServer();
    server.add(
      {
        ...DuckDBServiceDefinition,
        methods: { executeQuery, executeQueryStream, executeQueryColumnar },
      },
      {
        async executeQuery(request: duckdb.ExecuteQueryRequest) {
          seen.push(["executeQuery", request.readOnly]);
          return { success: true };
        },
        async *executeQueryStream(request: duckdb.ExecuteQueryRequest) {
          seen.push(["executeQueryStream", request.readOnly]);
          yield { success: true };
        },
        async *executeQueryColumnar(request: duckdb.ExecuteQueryRequest) {
          seen.push(["executeQueryColumnar", request.readOnly]);
          yield { rowCount: 0 };
        },
      },
    );
    const port = await server.listen("127.0.0.1:0");
    client = createDuckdbClient({ address: `127.0.0.1:${port}` });
  });
  afterAll(async () => {
    client?.close();
    await server?.shutdown();
  });
  beforeEach(() => {
    seen.length = 0;
  });

  it("sends readOnly with one-shot queries and with streams of either transport", async () => {
    const opts = { readOnly: true };
    await client.query(DB, "SELECT 1", {}, opts);
    await drain(client.queryStream(DB, "SELECT 1", {}, { ...opts, transport: "columnar" }));
    await drain(client.queryStream(DB, "SELECT 1", {}, { ...opts, transport: "rows" }));
    expect(seen).toEqual([
      ["executeQuery", true],
      ["executeQueryColumnar", true],
      ["executeQueryStream", true],
    ]);
  });

  it("sends readOnly false unless asked, as old clients do", async () => {
    await client.query(DB, "SELECT 1");
    await drain(client.queryStream(DB, "SELECT 1", {}, { transport: "columnar" }));
    await drain(client.queryStream(DB, "SELECT 1", {}, { transport: "rows" }));
    await client.analyzeData(DB, undefined, "SELECT 1");
    expect(seen.map(([, readOnly]) => readOnly)).toEqual([false, false, false, false]);
  });

  it("refuses a readOnly that is not a boolean before anything is sent", async () => {
    const truthy = { readOnly: "false" as unknown as boolean };
    const err = await client.query(DB, "SELECT 1", {}, truthy).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as InvalidArgumentError).details).toMatch(/readOnly must be true or false/);
    await expect(drain(client.queryStream(DB, "SELECT 1", {}, truthy))).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    expect(seen).toEqual([]);
  });
});

// Needs the analytics service's side of read_only (it classifies each statement).
describe("read-only queries against the analytics service", () => {
  let stack: Stack;
  let client: DuckdbClient;

  const WRITES = [
    "INSERT INTO kept VALUES (2)",
    "DELETE FROM kept",
    "CREATE TABLE sneaked AS SELECT 1 AS x",
    "DROP TABLE kept",
    "SELECT 1; DELETE FROM kept",
  ];

  beforeAll(async () => {
    stack = await startStack();
    client = await stack.client("reader");
    await client.createDatabase(DB);
    await client.execute(DB, "CREATE TABLE kept AS SELECT 1 AS x");
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("runs reads", async () => {
    const opts = { readOnly: true };
    const sql = "SELECT x FROM kept";
    expect((await client.query(DB, sql, {}, opts)).rows).toEqual([{ x: 1 }]);
    for (const transport of ["columnar", "rows"] as const) {
      expect(await drain(client.queryStream(DB, sql, {}, { ...opts, transport }))).toEqual([
        { x: 1 },
      ]);
    }
  });

  it.each(WRITES)(
    "refuses %j with InvalidArgumentError and leaves the data as it was",
    async (sql) => {
      const opts = { readOnly: true };
      await expect(client.query(DB, sql, {}, opts)).rejects.toBeInstanceOf(InvalidArgumentError);
      for (const transport of ["columnar", "rows"] as const) {
        await expect(
          drain(client.queryStream(DB, sql, {}, { ...opts, transport })),
        ).rejects.toBeInstanceOf(InvalidArgumentError);
      }
      expect((await client.query(DB, "SELECT x FROM kept")).rows).toEqual([{ x: 1 }]);
      expect((await client.listTables(DB)).map((t) => t.tableName)).toEqual(["kept"]);
    },
  );
});
