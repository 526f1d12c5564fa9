import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MinioClient } from "@isa-cloud/minio-client";
import { type MinioServiceHandle, startMinioService } from "@isa-cloud/minio-service";
import { type EtcdServer, startEtcd } from "@isa-cloud/test-etcd";
import { Etcd3 } from "etcd3";
import { pino } from "pino";
import { DatabaseManager } from "../../src/databases/database-manager.js";
import { EtcdGenerationStore } from "../../src/databases/etcd-generations.js";
import type { DatabaseRecord } from "../../src/databases/registry.js";
import { Registry } from "../../src/databases/registry.js";
import {
  type DuckdbServiceHandle,
  startDuckdbService,
  systemTokenSigner,
} from "../../src/index.js";
import { SECRET } from "../harness.js";

export const BUCKET = "duckdb-databases";
export const OWNERS = "/isa/analytics/owners/";

/** etcd and a storage service on free loopback ports, and analytics nodes over them. */
export class ClusterStack {
  dir = "";
  etcd!: EtcdServer;
  storage!: MinioServiceHandle;
  /** The test's own etcd client: it plays the supervisor, moving owner keys. */
  kv!: Etcd3;
  system!: MinioClient;
  private readonly closers: Array<() => Promise<void> | void> = [];

  static async start(): Promise<ClusterStack> {
    const stack = new ClusterStack();
    stack.dir = await mkdtemp(join(tmpdir(), "duckdb-cluster-"));
    try {
      stack.etcd = await startEtcd({ dataDir: stack.dir });
      stack.kv = new Etcd3({ hosts: stack.etcd.endpoint });
      stack.storage = await startMinioService({
        host: "127.0.0.1",
        port: 0,
        httpPort: 0,
        backend: { kind: "fs", root: join(stack.dir, "objects") },
        auth: { hs256Secret: SECRET },
        presignSecret: "presign-test-secret",
        maxMessageBytes: 8 * 1024 * 1024,
        logLevel: "silent",
      });
      stack.system = stack.storeClient();
    } catch (err) {
      await stack.stop();
      throw err;
    }
    return stack;
  }

  get storageAddress(): string {
    return `127.0.0.1:${this.storage.port}`;
  }

  storeClient(): MinioClient {
    const client = new MinioClient({
      address: this.storageAddress,
      token: systemTokenSigner(SECRET),
    });
    this.closers.push(() => client.close());
    return client;
  }

  /** Gives `owner` ("user:<id>") to `nodeId`, as the supervisor's claim would. */
  async own(owner: string, nodeId: string): Promise<void> {
    await this.kv.put(`${OWNERS}${encodeURIComponent(owner)}`).value(nodeId);
  }

  /** An analytics service that is node `nodeId` of the cluster, with a cache of its own. */
  async service(nodeId: string): Promise<DuckdbServiceHandle> {
    const service = await startDuckdbService({
      host: "127.0.0.1",
      port: 0,
      cacheDir: join(this.dir, nodeId),
      storage: { address: this.storageAddress, systemToken: systemTokenSigner(SECRET) },
      auth: { hs256Secret: SECRET },
      maxOpenDatabases: 8,
      checkpointIntervalMs: 3_600_000,
      cluster: { etcdEndpoints: [this.etcd.endpoint], nodeId },
      logger: pino({ level: "silent" }),
    });
    this.closers.push(() => service.close());
    return service;
  }

  /** A database manager alone, as node `nodeId`, over `store` (a wrapper injects failures). */
  async manager(nodeId: string, store: MinioClient): Promise<DatabaseManager> {
    const registry = new Registry(store, BUCKET);
    const generations = new EtcdGenerationStore({
      client: new Etcd3({ hosts: this.etcd.endpoint }),
      nodeId,
      ownerPrefix: OWNERS,
      registry,
    });
    const manager = new DatabaseManager({
      cacheDir: join(this.dir, `${nodeId}-manager`),
      store,
      bucket: BUCKET,
      registry,
      generations,
      maxOpenDatabases: 8,
      maxConnectionsPerDatabase: 16,
      limitCaps: { maxMemoryBytes: 256e6, maxThreads: 1 },
      duckdbVersion: "test",
      logger: pino({ level: "silent" }),
    });
    await manager.start();
    this.closers.push(async () => {
      await manager.close();
      generations.close();
    });
    return manager;
  }

  /** Every object key under `prefix` in the system bucket. */
  async keys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const o of this.system.listObjects(BUCKET, { prefix, recursive: true })) {
      if ("key" in o) keys.push(o.key);
    }
    return keys;
  }

  /** Closes what it started, newest first; etcd last, then the files. */
  async stop(): Promise<void> {
    for (const close of this.closers.reverse()) await Promise.resolve(close()).catch(() => {});
    this.kv?.close();
    await this.storage?.close();
    await this.etcd?.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** A record for `manager.create`, as CreateDatabase makes it. */
export function newRecord(user: string, name: string) {
  const now = new Date().toISOString();
  return {
    owner: { kind: "user" as const, id: user },
    name,
    createdBy: user,
    createdAt: now,
    metadata: {},
    limits: { memoryLimit: "256MB", threads: 1 },
    duckdbVersion: "test",
    lastAccessedAt: now,
  } satisfies Omit<DatabaseRecord, "storedBytes" | "storedAt" | "tableCount">;
}
