import { execFile } from "node:child_process";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { DuckDBServiceDefinition, duckdb } from "@isa-cloud/proto";
import { signToken } from "@isa-cloud/rpc-server";
import { ClientError, createChannel, createClient, Metadata, Status } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AnalyticsNode } from "./analytics-node.js";
import { ints, SECRET, TestCluster } from "./cluster-harness.js";

const GUIDE_CLIENT = fileURLToPath(new URL("./guide_client.py", import.meta.url));

let cluster: TestCluster | undefined;
let nodes: AnalyticsNode[] = [];

beforeAll(async () => {
  // Checkpoints every second, so the failover test finds the rows in storage.
  cluster = await TestCluster.start({
    names: ["a", "b", "c"],
    env: { DUCKDB_CHECKPOINT_INTERVAL_SECONDS: "1" },
  });
  nodes = cluster.nodes;
});

afterAll(async () => {
  await cluster?.close();
});

const client = (node: AnalyticsNode, user: string) => cluster!.client(node, user);
const ownerOf = (owner: string) => cluster!.ownerOf(owner);

/** The nodes whose local cache holds `<owner segment>/<name>.duckdb`. */
async function nodesHolding(user: string, name: string): Promise<string[]> {
  const segment = `user-${Buffer.from(user, "utf8").toString("hex")}`;
  const found: string[] = [];
  for (const node of nodes) {
    const workers = join(node.dataDir, "duckdb", "workers");
    for (const worker of await readdir(workers).catch((): string[] => [])) {
      const dbs = join(workers, worker, "duckdb", "databases", segment);
      if ((await readdir(dbs).catch((): string[] => [])).includes(`${name}.duckdb`))
        found.push(node.nodeId);
    }
  }
  return found;
}

describe("three analytics nodes on one etcd and one store", () => {
  it("keeps one copy of a user's database when writes arrive through different nodes", async () => {
    const [a, b, c] = nodes as [AnalyticsNode, AnalyticsNode, AnalyticsNode];
    const viaC = await client(c, "ann");
    await viaC.createDatabase({ databaseName: "notes" });
    await viaC.executeStatement({ databaseId: "notes", statement: "CREATE TABLE t(x INT)" });
    await viaC.executeStatement({ databaseId: "notes", statement: "INSERT INTO t VALUES (1)" });
    await (await client(a, "ann")).executeStatement({
      databaseId: "notes",
      statement: "INSERT INTO t VALUES (2)",
    });
    await (await client(b, "ann")).executeStatement({
      databaseId: "notes",
      statement: "INSERT INTO t VALUES (3)",
    });
    for (const node of nodes) {
      const ann = await client(node, "ann");
      const rows = await ann.executeQuery({
        databaseId: "notes",
        query: "SELECT x FROM t ORDER BY x",
      });
      expect(ints(rows), `through node ${node.nodeId}`).toEqual([1, 2, 3]);
      const listed = await ann.listDatabases({});
      expect(listed.databases.map((d) => d.databaseName)).toEqual(["notes"]);
    }
    expect(await ownerOf("user:ann")).toBe(c.nodeId);
    expect(await nodesHolding("ann", "notes")).toEqual([c.nodeId]);
  });

  it("refuses a forwarded call for an owner it does not hold instead of forwarding it again", async () => {
    const [a, , c] = nodes as [AnalyticsNode, AnalyticsNode, AnalyticsNode];
    const token = await signToken({ secret: SECRET, sub: "ann" });
    const channel = createChannel(a.address);
    const forwarded = createClient(DuckDBServiceDefinition, channel, {
      "*": {
        metadata: Metadata({ authorization: `Bearer ${token}`, "x-isa-forwarded-by": c.nodeId }),
      },
    });
    const error = await forwarded
      .executeQuery({ databaseId: "notes", query: "SELECT 1" })
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ClientError);
    expect((error as ClientError).code).toBe(Status.UNAVAILABLE);
    expect((error as ClientError).details).toMatch(/moved to analytics node/);
    channel.close();
  });

  it("serves a killed node's owner from another node within the lease TTL", async () => {
    const [a, , c] = nodes as [AnalyticsNode, AnalyticsNode, AnalyticsNode];
    await new Promise((r) => setTimeout(r, 2500)); // two checkpoint intervals
    const workers = [...c.workerPids];
    expect(workers.length).toBeGreaterThan(0);
    const killedAt = Date.now();
    await c.kill9();
    const viaA = await client(a, "ann");
    let rows: number[] | undefined;
    let retries = 0;
    while (Date.now() - killedAt < 20_000) {
      try {
        rows = ints(
          await viaA.executeQuery({ databaseId: "notes", query: "SELECT x FROM t ORDER BY x" }),
        );
        break;
      } catch (err) {
        if (!(err instanceof ClientError) || err.code !== Status.UNAVAILABLE) throw err;
        retries++;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    const failoverMs = Date.now() - killedAt;
    expect(rows, a.tail()).toEqual([1, 2, 3]);
    expect(failoverMs).toBeLessThan(15_000);
    expect(retries).toBeGreaterThan(0);
    expect(await ownerOf("user:ann")).toBe(a.nodeId);
    // The killed node's worker went with it (it must not checkpoint over the new owner).
    expect(workers.filter((pid) => AnalyticsNode.alive(pid))).toEqual([]);
  });

  it("serves the guide's Python client through a node that does not own the database", async () => {
    const [a, b] = nodes as [AnalyticsNode, AnalyticsNode];
    const viaB = await client(b, "bob");
    await viaB.createDatabase({ databaseName: "sales" });
    await viaB.executeStatement({ databaseId: "sales", statement: "CREATE TABLE s(x INT)" });
    await viaB.executeStatement({ databaseId: "sales", statement: "INSERT INTO s VALUES (42)" });
    expect(await ownerOf("user:bob")).toBe(b.nodeId);
    const request = duckdb.ExecuteQueryRequest.encode(
      duckdb.ExecuteQueryRequest.fromPartial({
        databaseId: "sales",
        userId: "bob",
        query: "SELECT x FROM s",
      }),
    ).finish();
    const token = await signToken({ secret: SECRET, sub: "bob" });
    const { stdout } = await promisify(execFile)("/usr/bin/python3", [
      GUIDE_CLIENT,
      a.address,
      token,
      Buffer.from(request).toString("hex"),
    ]);
    const response = duckdb.ExecuteQueryResponse.decode(Buffer.from(stdout.trim(), "hex"));
    expect(response.success).toBe(true);
    expect(ints(response)).toEqual([42]);
  });

  it("fences a node whose lease runs out and serves its owners again after it re-registers", async () => {
    const [a, b] = nodes as [AnalyticsNode, AnalyticsNode];
    const viaA = await client(a, "ann");
    const query = { databaseId: "notes", query: "SELECT x FROM t ORDER BY x" };
    expect(ints(await viaA.executeQuery(query))).toEqual([1, 2, 3]);
    const workers = [...a.workerPids];
    cluster!.etcd.pause();
    try {
      // No keepalive answer for most of the 5 s TTL: the node fences itself.
      await new Promise((r) => setTimeout(r, 6000));
      expect(a.tail(40)).toMatch(/etcd lease lost: fencing this node/);
      expect(workers.filter((pid) => AnalyticsNode.alive(pid))).toEqual([]);
      const refused = await viaA.executeQuery(query).catch((err: unknown) => err);
      expect((refused as ClientError).code).toBe(Status.UNAVAILABLE);
    } finally {
      cluster!.etcd.resume();
    }
    const viaB = await client(b, "ann");
    const resumedAt = Date.now();
    let rows: number[] | undefined;
    while (!rows && Date.now() - resumedAt < 20_000) {
      rows = await viaB.executeQuery(query).then(ints, async (err: unknown) => {
        if (!(err instanceof ClientError) || err.code !== Status.UNAVAILABLE) throw err;
        await new Promise((r) => setTimeout(r, 200));
        return undefined;
      });
    }
    expect(rows, `${a.tail()}\n${b.tail()}`).toEqual([1, 2, 3]);
    expect(a.tail(80)).toMatch(/registered in etcd/);
  });

  it("refuses to start a second node on the same storage without etcd", async () => {
    const lone = AnalyticsNode.spawn({
      dataDir: join(cluster!.dir, "lone"),
      storagePort: cluster!.storage.port,
      secret: SECRET,
    });
    nodes.push(lone);
    const code = await lone.exited;
    expect(code).not.toBe(0);
    expect(lone.tail()).toMatch(/configure etcd \(ISA_ETCD_ENDPOINTS\)/);
    expect([...lone.workerPids]).toEqual([]);
  });
});
