import { DuckDBServiceDefinition } from "@isa-cloud/proto";
import { createIsaClient } from "@isa-cloud/rpc/client";
import { InvalidArgumentError, NotFoundError } from "@isa-cloud/rpc/wire";
import { createServer, type Server } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckdbClient, type DuckdbClient, type StreamOptions } from "../src/index.js";
import { type Stack, startStack } from "./stack.js";

const DB = "streams";
// Would run for hours if the service did not stop it.
const ENDLESS = "SELECT i, repeat('x', 100) AS pad FROM range(1000000000000) t(i)";

describe.each(["columnar", "rows"] as const)("streamed queries (%s transport)", (transport) => {
  let stack: Stack;
  let client: DuckdbClient;

  beforeAll(async () => {
    stack = await startStack();
    client = await stack.client("streamer");
    await client.createDatabase(DB);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const stream = <T = Record<string, unknown>>(
    sql: string,
    params?: Record<string, unknown>,
    opts: StreamOptions = {},
    db = DB,
  ) => client.queryStream<T>(db, sql, params, { transport, ...opts });

  /** Polls until the service reports no query running on DB (bounded, not a timing assertion). */
  async function runningQueries(): Promise<number> {
    for (let i = 0; i < 100; i++) {
      const metrics = await client.getMetrics({ databaseId: DB });
      if (metrics.activeConnections === 0) return 0;
      await new Promise((r) => setTimeout(r, 100));
    }
    return (await client.getMetrics({ databaseId: DB })).activeConnections;
  }

  it("streams a result larger than one message as typed rows, in order", async () => {
    const result = stream<{ i: bigint; pad: string }>(
      "SELECT i, repeat('x', 100) AS pad FROM range(100000) t(i)",
    );
    let expected = 0n;
    let outOfOrder = 0;
    for await (const row of result) {
      if (row.i !== expected || row.pad.length !== 100) outOfOrder++;
      expected++;
    }
    expect(outOfOrder).toBe(0);
    expect(expected).toBe(100000n);
    expect(result.columns).toEqual([
      { name: "i", type: "BIGINT" },
      { name: "pad", type: "VARCHAR" },
    ]);
  });

  it("streams batches with their columns", async () => {
    let rows = 0;
    for await (const batch of stream(
      "SELECT i::INTEGER AS i FROM range(50000) t(i) WHERE i % $m = 0",
      { m: 1 },
    ).batches()) {
      expect(batch.columns).toEqual([{ name: "i", type: "INTEGER" }]);
      rows += batch.rows.length;
    }
    expect(rows).toBe(50000);
  });

  it("streams an empty result as no rows", async () => {
    const rows: unknown[] = [];
    for await (const row of stream("SELECT 1 AS x WHERE false")) rows.push(row);
    expect(rows).toEqual([]);
  });

  it("stops the query on the service when the loop is left early", async () => {
    let seen = 0;
    let busyWhileReading = 0;
    for await (const _row of stream(ENDLESS)) {
      if (++seen === 1) {
        busyWhileReading = (await client.getMetrics({ databaseId: DB })).activeConnections;
      }
      if (seen === 10) break;
    }
    expect(seen).toBe(10);
    // The query held a connection while the stream was open, and gave it back after.
    expect(busyWhileReading).toBeGreaterThan(0);
    expect(await runningQueries()).toBe(0);
  });

  it("stops the query on the service when the batches loop throws", async () => {
    const failure = new Error("consumer failed");
    const caught = await (async () => {
      for await (const _batch of stream(ENDLESS).batches()) throw failure;
    })().catch((e: unknown) => e);
    expect(caught).toBe(failure);
    expect(await runningQueries()).toBe(0);
  });

  it("stops the query on the service when the signal aborts, with an AbortError", async () => {
    const controller = new AbortController();
    let seen = 0;
    const caught = await (async () => {
      for await (const _row of stream(ENDLESS, {}, { signal: controller.signal })) {
        if (++seen === 1) controller.abort();
      }
    })().catch((e: unknown) => e);
    expect((caught as Error).name).toBe("AbortError");
    expect(await runningQueries()).toBe(0);
  });

  it("bounds a stream by its deadline when one is given", async () => {
    const caught = await (async () => {
      for await (const _row of stream(ENDLESS, {}, { deadline: 300 })) {
        // keep reading until the deadline
      }
    })().catch((e: unknown) => e);
    expect((caught as Error).name).toBe("DeadlineExceededError");
    expect(await runningQueries()).toBe(0);
  });

  it("can be iterated only once", async () => {
    const once = stream("SELECT 1 AS x");
    for await (const _ of once) {
      // drain
    }
    await expect(once[Symbol.asyncIterator]().next()).rejects.toThrow(/only once/);
  });

  it("reports bad SQL, a missing database and a bad option as typed errors", async () => {
    const drain = async (sql: string, db = DB, opts: StreamOptions = {}) => {
      for await (const _ of stream(sql, {}, opts, db)) {
        // drain
      }
    };
    await expect(drain("SELEC 1")).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(drain("SELECT 1", "nope")).rejects.toBeInstanceOf(NotFoundError);
    await expect(drain("SELECT 1", DB, { timeoutSeconds: 1.5 })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
  });
});

describe("streams from a service that has only the seed contract", () => {
  let stack: Stack;
  let legacy: Server;
  let legacyAddress: string;

  beforeAll(async () => {
    stack = await startStack();
    const owner = await stack.client("legacy-user");
    await owner.createDatabase(DB);
    // A real gRPC server speaking the seed contract only: ExecuteQueryStream, passed
    // through to the real service. ExecuteQueryColumnar is UNIMPLEMENTED there.
    const upstream = createIsaClient(DuckDBServiceDefinition, {
      address: stack.address,
      token: await stack.token("legacy-user"),
    });
    const seedOnly = {
      ...DuckDBServiceDefinition,
      methods: { executeQueryStream: DuckDBServiceDefinition.methods.executeQueryStream },
    };
    legacy = createServer();
    legacy.add(seedOnly, {
      async *executeQueryStream(request, context) {
        yield* upstream.executeQueryStream(request, { signal: context.signal });
      },
    });
    legacyAddress = `127.0.0.1:${await legacy.listen("127.0.0.1:0")}`;
    stack.onStop(async () => {
      upstream.close();
      await legacy.shutdown();
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("falls back to row-by-row streaming, and keeps using it", async () => {
    const client = createDuckdbClient({ address: legacyAddress });
    try {
      for (let round = 0; round < 2; round++) {
        const rows: unknown[] = [];
        for await (const row of client.queryStream(DB, "SELECT i FROM range(3) t(i)")) {
          rows.push(row);
        }
        expect(rows).toEqual([{ i: 0n }, { i: 1n }, { i: 2n }]);
      }
      const forced = client.queryStream(DB, "SELECT 1", {}, { transport: "columnar" });
      await expect(forced[Symbol.asyncIterator]().next()).rejects.toMatchObject({ code: 12 });
    } finally {
      client.close();
    }
  });
});
