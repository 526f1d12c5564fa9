import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type MinioServiceHandle, startMinioService } from "@isa-cloud/minio-service";
import { DuckDBServiceDefinition, type duckdb } from "@isa-cloud/proto";
import { signToken } from "@isa-cloud/rpc-server";
import { type EtcdServer, startEtcd } from "@isa-cloud/test-etcd";
import { Etcd3 } from "etcd3";
import {
  type Channel,
  ClientError,
  createChannel,
  createClient,
  Metadata,
  Status,
} from "nice-grpc";
import { AnalyticsNode } from "./analytics-node.js";

export const SECRET = "duckdb-cluster-test-secret";

/**
 * The cluster suites' setup: one etcd, one storage service (fs backend) and analytics
 * nodes as child processes, all in one temporary directory. `close()` kills everything.
 */
export class TestCluster {
  etcd!: EtcdServer;
  etcdClient!: Etcd3;
  storage!: MinioServiceHandle;
  /** Every node started, in order (dead ones included, so that `close()` reaps them all). */
  readonly nodes: AnalyticsNode[] = [];
  private readonly channels: Channel[] = [];

  private constructor(
    readonly dir: string,
    private readonly nodeEnv: NodeJS.ProcessEnv,
  ) {}

  /** Starts etcd, storage and one node per name (data dir `<dir>/<name>`), in parallel. */
  static async start(opts: {
    names: string[];
    /** Environment of every node (e.g. checkpoint interval, lease TTL). */
    env?: NodeJS.ProcessEnv;
  }): Promise<TestCluster> {
    const cluster = new TestCluster(
      await mkdtemp(join(tmpdir(), "duckdb-cluster-")),
      opts.env ?? {},
    );
    try {
      cluster.etcd = await startEtcd({ dataDir: cluster.dir });
      cluster.etcdClient = new Etcd3({ hosts: cluster.etcd.endpoint });
      cluster.storage = await startMinioService({
        host: "127.0.0.1",
        port: 0,
        httpPort: 0,
        backend: { kind: "fs", root: join(cluster.dir, "objects") },
        auth: { hs256Secret: SECRET },
        presignSecret: "presign-test-secret",
        maxMessageBytes: 8 * 1024 * 1024,
        logLevel: "silent",
      });
      const started = await Promise.allSettled(opts.names.map((n) => cluster.startNode(n)));
      const failed = started.find((r) => r.status === "rejected");
      if (failed) throw (failed as PromiseRejectedResult).reason;
    } catch (err) {
      await cluster.close();
      throw err;
    }
    return cluster;
  }

  /** Starts a node on `<dir>/<name>` (tracked for `close()`, even if it fails to start). */
  async startNode(name: string): Promise<AnalyticsNode> {
    const node = AnalyticsNode.spawn({
      dataDir: join(this.dir, name),
      storagePort: this.storage.port,
      secret: SECRET,
      etcd: this.etcd.endpoint,
      env: this.nodeEnv,
    });
    this.nodes.push(node);
    await node.ready();
    return node;
  }

  /** A DuckDBService client through `node` with a token for `user`. */
  async client(node: AnalyticsNode | string, user: string) {
    const token = await signToken({ secret: SECRET, sub: user });
    const channel = createChannel(typeof node === "string" ? node : node.address);
    this.channels.push(channel);
    return createClient(DuckDBServiceDefinition, channel, {
      "*": { metadata: Metadata({ authorization: `Bearer ${token}` }) },
    });
  }

  /** The node id holding `owner` (e.g. `user:ann`) in etcd, if any. */
  ownerOf(owner: string): Promise<string | null> {
    return this.etcdClient.get(`/isa/analytics/owners/${encodeURIComponent(owner)}`).string();
  }

  /** Kills every node (and its workers), storage and etcd; removes the directory. */
  async close(): Promise<void> {
    for (const channel of this.channels) channel.close();
    await Promise.all(this.nodes.map((node) => node.stop()));
    this.etcdClient?.close();
    await this.storage?.close();
    await this.etcd?.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

export function ints(response: duckdb.ExecuteQueryResponse): number[] {
  return response.rows.map((row) => {
    const kind = row.values[0]?.kind;
    return kind?.$case === "intValue" ? Number(kind.value) : Number.NaN;
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Calls `fn` until it does not fail UNAVAILABLE (what a client sees while an owner moves),
 * pausing 200 ms between tries; other errors are thrown at once. Past `deadlineMs` the
 * last UNAVAILABLE is thrown.
 */
export async function retryUnavailable<T>(fn: () => Promise<T>, deadlineMs = 30_000): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof ClientError) || err.code !== Status.UNAVAILABLE || Date.now() > until) {
        throw err;
      }
      await sleep(200);
    }
  }
}
