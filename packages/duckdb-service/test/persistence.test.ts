import { rm } from "node:fs/promises";
import { join } from "node:path";
import { DuckDBServiceDefinition } from "@isa-cloud/proto";
import { signToken } from "@isa-cloud/rpc-server";
import { createChannel, createClient, Metadata, Status } from "nice-grpc";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { startDuckdbService, systemTokenSigner } from "../src/index.js";
import { rowsOf, SECRET, Stack } from "./harness.js";

let stack: Stack | undefined;

afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("condition not reached");
}

describe("persistence", () => {
  it("reopens every database from object storage after a restart with the local cache deleted", async () => {
    stack = await Stack.start();
    const alice = await stack.client("alice");
    const carol = await stack.client("carol", "acme");
    await alice.createDatabase({
      databaseName: "keep",
      metadata: { team: "a" },
      config: { threads: "1" },
    });
    await alice.executeStatement({
      databaseId: "keep",
      statement: "CREATE TABLE t AS SELECT range AS n FROM range(1000)",
    });
    await alice.createFunction({
      databaseId: "keep",
      functionName: "twice",
      functionBody: "x * 2",
      parameters: ["x"],
      returnType: "",
    });
    await carol.createDatabase({ databaseName: "shared", organizationId: "acme" });
    await carol.executeStatement({
      databaseId: "org/shared",
      statement: "CREATE TABLE s AS SELECT 'org data' AS v",
    });

    await stack.service.close();
    await rm(stack.cacheDir, { recursive: true, force: true });
    await stack.startService();

    const alice2 = await stack.client("alice");
    const listed = await alice2.listDatabases({});
    expect(listed.databases.map((d) => [d.databaseId, d.metadata])).toEqual([
      ["keep", { team: "a" }],
    ]);
    expect(
      rowsOf(
        await alice2.executeQuery({
          databaseId: "keep",
          query: "SELECT count(*), twice(max(n)) FROM t",
        }),
      ),
    ).toEqual([[1000n, 1998n]]);
    const threads = await alice2.executeQuery({
      databaseId: "keep",
      query: "SELECT current_setting('threads')",
    });
    expect(rowsOf(threads)).toEqual([[1n]]);
    const carol2 = await stack.client("carol", "acme");
    expect(
      rowsOf(await carol2.executeQuery({ databaseId: "org/shared", query: "SELECT v FROM s" })),
    ).toEqual([["org data"]]);
  });

  it("uploads changes on its schedule, so another node with an empty cache sees them", async () => {
    stack = await Stack.start({ checkpointIntervalMs: 100 });
    const alice = await stack.client("alice");
    await alice.createDatabase({ databaseName: "live" });
    const before = (await alice.getMetrics({ databaseId: "" })).metrics?.checkpoints as number;
    await alice.executeStatement({
      databaseId: "live",
      statement: "CREATE TABLE t AS SELECT 42 AS answer",
    });
    await waitFor(
      async () =>
        ((await alice.getMetrics({ databaseId: "" })).metrics?.checkpoints as number) > before,
    );

    const other = await startDuckdbService({
      host: "127.0.0.1",
      port: 0,
      cacheDir: join(stack.dir, "other-node"),
      storage: {
        address: `127.0.0.1:${stack.storage.port}`,
        systemToken: systemTokenSigner(SECRET),
      },
      auth: { hs256Secret: SECRET },
      maxOpenDatabases: 4,
      checkpointIntervalMs: 3_600_000,
      logger: pino({ level: "silent" }),
    });
    const channel = createChannel(`127.0.0.1:${other.port}`);
    try {
      const token = await signToken({ secret: SECRET, sub: "alice" });
      const client = createClient(DuckDBServiceDefinition, channel, {
        "*": { metadata: Metadata({ authorization: `Bearer ${token}` }) },
      });
      expect(
        rowsOf(await client.executeQuery({ databaseId: "live", query: "SELECT answer FROM t" })),
      ).toEqual([[42n]]);
    } finally {
      channel.close();
      await other.close();
    }
  });

  it("keeps at most max_open_databases open, evicting the least recently used after saving it", async () => {
    stack = await Stack.start({ maxOpenDatabases: 2 });
    const alice = await stack.client("alice");
    for (const name of ["a", "b", "c", "d"]) {
      await alice.createDatabase({ databaseName: name });
      await alice.executeStatement({
        databaseId: name,
        statement: `CREATE TABLE t AS SELECT '${name}' AS v`,
      });
    }
    await waitFor(
      async () =>
        ((await alice.getMetrics({ databaseId: "" })).metrics?.open_databases as number) <= 2,
    );
    const metrics = await alice.getMetrics({ databaseId: "" });
    expect(metrics.metrics?.evictions).toBeGreaterThanOrEqual(2);
    // Eviction saved them: the stored copies count their table.
    const listed = await alice.listDatabases({});
    expect(listed.databases.filter((d) => d.tableCount === 1).length).toBeGreaterThanOrEqual(2);
    // Evicted databases come back with their data.
    for (const name of ["a", "b", "c", "d"]) {
      expect(
        rowsOf(await alice.executeQuery({ databaseId: name, query: "SELECT v FROM t" })),
      ).toEqual([[name]]);
    }
    const after = await alice.getMetrics({ databaseId: "" });
    expect(after.cacheMisses).toBeGreaterThan(metrics.cacheMisses);
  });

  it("answers DATA_LOSS, not a crash, when a registered database's file is gone from storage", async () => {
    stack = await Stack.start();
    const alice = await stack.client("alice");
    const created = await alice.createDatabase({ databaseName: "fragile" });
    await stack.service.close();
    await rm(stack.cacheDir, { recursive: true, force: true });
    const system = await stack.systemStore();
    await system.deleteObject("duckdb-databases", created.databaseInfo!.minioPath);
    await stack.startService();
    const again = await stack.client("alice");
    await expect(
      again.executeQuery({ databaseId: "fragile", query: "SELECT 1" }),
    ).rejects.toMatchObject({
      code: Status.DATA_LOSS,
    });
  });

  it("answers UNAVAILABLE while the storage service is down", async () => {
    stack = await Stack.start();
    const alice = await stack.client("alice");
    await stack.storage.close();
    await expect(alice.createDatabase({ databaseName: "later" })).rejects.toMatchObject({
      code: Status.UNAVAILABLE,
    });
  });
});
