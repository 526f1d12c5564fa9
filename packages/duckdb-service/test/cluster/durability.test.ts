import { rm } from "node:fs/promises";
import { join } from "node:path";
import { MinioClient, type ObjectBody, type PutObjectOptions } from "@isa-cloud/minio-client";
import { DuckDBServiceDefinition } from "@isa-cloud/proto";
import { signToken } from "@isa-cloud/rpc-server";
import { Etcd3 } from "etcd3";
import { createChannel, createClient, Metadata, Status } from "nice-grpc";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DatabaseManager } from "../../src/databases/database-manager.js";
import { EtcdGenerationStore } from "../../src/databases/etcd-generations.js";
import { keysOf } from "../../src/databases/generations.js";
import { sweepOrphans } from "../../src/databases/orphan-sweep.js";
import { Registry } from "../../src/databases/registry.js";
import { systemTokenSigner } from "../../src/index.js";
import { rowsOf, SECRET } from "../harness.js";
import { BUCKET, ClusterStack, newRecord, OWNERS } from "./cluster-stack.js";

let stack: ClusterStack;
const channels: Array<{ close(): void }> = [];

beforeEach(async () => {
  stack = await ClusterStack.start();
});

afterEach(async () => {
  for (const channel of channels.splice(0)) channel.close();
  await stack.stop();
});

async function clientOf(port: number, user: string) {
  const token = await signToken({ secret: SECRET, sub: user });
  const channel = createChannel(`127.0.0.1:${port}`);
  channels.push(channel);
  return createClient(DuckDBServiceDefinition, channel, {
    "*": { metadata: Metadata({ authorization: `Bearer ${token}` }) },
  });
}

/** The etcd pointer store as `nodeId` sees it (reading needs no ownership). */
function pointers(nodeId: string) {
  return new EtcdGenerationStore({
    client: new Etcd3({ hosts: stack.etcd.endpoint }),
    nodeId,
    ownerPrefix: OWNERS,
    registry: new Registry(stack.system, BUCKET),
  });
}

/** A storage client whose segment uploads can be made to fail half-way or to wait. */
class FaultyStore extends MinioClient {
  failNextSegment = false;
  holdNextSegment: Promise<void> | undefined;
  segmentPuts = 0;

  override async putObject(
    bucket: string,
    key: string,
    body: ObjectBody,
    opts?: PutObjectOptions,
  ): Promise<{ etag: string; size: number }> {
    if (key.includes("/wal-")) {
      this.segmentPuts++;
      if (this.failNextSegment) {
        this.failNextSegment = false;
        // Half of the body read, then the connection is gone: the store never shows it.
        const stream = body as NodeJS.ReadableStream & { destroy(): void };
        for await (const _ of stream) break;
        stream.destroy();
        throw new Error("injected: storage connection lost mid-upload");
      }
      const held = this.holdNextSegment;
      this.holdNextSegment = undefined;
      await held;
    }
    return super.putObject(bucket, key, body, opts);
  }
}

function faultyStore(): FaultyStore {
  return new FaultyStore({ address: stack.storageAddress, token: systemTokenSigner(SECRET) });
}

async function write(manager: DatabaseManager, name: string, sql: string): Promise<void> {
  const record = await manager.find({ kind: "user", id: "alice" }, name);
  await manager.use(record!, ({ db }) => db.withConnection((conn) => conn.run(sql)));
}

async function rows(manager: DatabaseManager, name: string, sql: string): Promise<unknown[][]> {
  const record = await manager.find({ kind: "user", id: "alice" }, name);
  return manager.use(record!, ({ db }) =>
    db.withConnection(async (conn) => (await conn.runAndReadAll(sql)).getRows()),
  );
}

describe("durability in a cluster", () => {
  it("acknowledges writes once shipped, so the next owner replays every acknowledged row after the first node's disk is gone", async () => {
    await stack.own("user:alice", "node-a");
    const a = await stack.service("node-a");
    const alice = await clientOf(a.port, "alice");
    await alice.createDatabase({ databaseName: "events" });
    await alice.executeStatement({ databaseId: "events", statement: "CREATE TABLE t (n INTEGER)" });
    await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        alice.executeStatement({ databaseId: "events", statement: `INSERT INTO t VALUES (${i})` }),
      ),
    );
    await alice.executeStatement({
      databaseId: "events",
      statement: "INSERT INTO t SELECT 1000 + range FROM range(200000)",
    });
    // No checkpoint since CreateDatabase: the rows are in WAL segments only.
    const stored = await stack.keys("databases/");
    expect(stored.filter((k) => k.endsWith("/database.duckdb"))).toHaveLength(1);
    expect(stored.filter((k) => k.includes("/wal-")).length).toBeGreaterThanOrEqual(3);

    await rm(join(stack.dir, "node-a"), { recursive: true, force: true });
    await stack.own("user:alice", "node-b");
    const b = await stack.service("node-b");
    const again = await clientOf(b.port, "alice");
    const result = await again.executeQuery({
      databaseId: "events",
      query: "SELECT count(*), sum(n)::BIGINT FROM t",
    });
    const big = 200_000n * 1000n + (200_000n * 199_999n) / 2n;
    expect(rowsOf(result)).toEqual([[200_016n, 120n + big]]);
  });

  it("never moves the pointer for a stale node, and sweeps what it uploaded", async () => {
    await stack.own("user:alice", "node-a");
    const a = await stack.service("node-a");
    const onA = await clientOf(a.port, "alice");
    await onA.createDatabase({ databaseName: "ledger" });
    await onA.executeStatement({
      databaseId: "ledger",
      statement: "CREATE TABLE t AS SELECT 1 AS n",
    });

    await stack.own("user:alice", "node-b");
    const b = await stack.service("node-b");
    const onB = await clientOf(b.port, "alice");
    expect(
      rowsOf(await onB.executeQuery({ databaseId: "ledger", query: "SELECT n FROM t" })),
    ).toEqual([[1n]]);

    // node-a has not noticed: its segment goes up, its compare-and-swap fails.
    await expect(
      onA.executeStatement({ databaseId: "ledger", statement: "INSERT INTO t VALUES (2)" }),
    ).rejects.toMatchObject({
      code: Status.UNAVAILABLE,
      details: expect.stringContaining("no longer owns"),
    });
    await a.close(); // its final checkpoint is fenced too: another orphan

    const store = pointers("node-b");
    try {
      const record = await new Registry(stack.system, BUCKET).get(
        { kind: "user", id: "alice" },
        "ledger",
      );
      const current = await store.read(record!);
      const named = keysOf(record!, current!.generation);
      expect((await stack.keys("databases/")).some((k) => !named.includes(k))).toBe(true);
      const swept = await sweepOrphans({
        store: stack.system,
        bucket: BUCKET,
        registry: new Registry(stack.system, BUCKET),
        generations: store,
        olderThanMs: 0,
        now: Date.now() + 1000,
      });
      expect(swept).toBeGreaterThanOrEqual(2);
      expect((await stack.keys("databases/")).sort()).toEqual([...named].sort());
    } finally {
      store.close();
    }
    await onB.executeStatement({ databaseId: "ledger", statement: "INSERT INTO t VALUES (3)" });
    expect(
      rowsOf(await onB.executeQuery({ databaseId: "ledger", query: "SELECT n FROM t ORDER BY n" })),
    ).toEqual([[1n], [3n]]);
  });

  it("never acknowledges a write whose segment upload broke off, and replays the rest intact", async () => {
    await stack.own("user:alice", "node-a");
    const store = faultyStore();
    const a = await stack.manager("node-a", store);
    await a.create(newRecord("alice", "db"));
    await write(a, "db", "CREATE TABLE t (n INTEGER)");
    await write(a, "db", "INSERT INTO t VALUES (1)");
    store.failNextSegment = true;
    await expect(write(a, "db", "INSERT INTO t VALUES (2)")).rejects.toMatchObject({
      code: Status.UNAVAILABLE,
    });

    // node-a crashes with its disk; node-b takes over.
    await rm(join(stack.dir, "node-a-manager"), { recursive: true, force: true });
    await stack.own("user:alice", "node-b");
    const b = await stack.manager("node-b", stack.storeClient());
    expect(await rows(b, "db", "SELECT n FROM t ORDER BY n")).toEqual([[1]]);
    store.close();
  });

  it("ships writes that finish during an upload together in the next one (group commit)", async () => {
    await stack.own("user:alice", "node-a");
    const store = faultyStore();
    const a = await stack.manager("node-a", store);
    const record = await a.create(newRecord("alice", "db"));
    await write(a, "db", "CREATE TABLE t (n INTEGER)");
    let release!: () => void;
    store.holdNextSegment = new Promise((r) => {
      release = r;
    });
    const puts = store.segmentPuts;
    const first = write(a, "db", "INSERT INTO t VALUES (0)");
    // Its upload has read the WAL and is held: what commits from now on is not in it.
    while (store.segmentPuts === puts) await new Promise((r) => setTimeout(r, 10));
    const rest = Array.from({ length: 8 }, (_, i) =>
      write(a, "db", `INSERT INTO t VALUES (${i + 1})`),
    );
    // Wait until all nine have committed locally (read without waiting for shipping).
    await a.use(record, async ({ db }) => {
      for (;;) {
        const lease = await db.acquire();
        try {
          const count = (await lease.conn.runAndReadAll("SELECT count(*) FROM t")).getRows();
          if (count[0]?.[0] === 9n) return;
        } finally {
          lease.release();
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    });
    const before = store.segmentPuts;
    release();
    await Promise.all([first, ...rest]);
    // The held upload, then one more carrying the eight writes that waited for it.
    expect(store.segmentPuts - before).toBe(1);
    store.close();
  });
});
