import { AlreadyExistsError, createMinioClient, type ObjectInfo } from "@isa-cloud/minio-client";
import type { Logger } from "pino";

/** Where heartbeats live in the system bucket, beside duckdb-service's `registry/`, `databases/`. */
const PREFIX = "cluster/heartbeats/";

export interface StorageHeartbeatOptions {
  /** The storage the workers use: address, system token and system bucket. */
  storage: { address: string; systemToken: () => Promise<string> | string; bucket: string };
  nodeId: string;
  address: string;
  /** Whether this node coordinates through etcd. */
  etcd: boolean;
  /** How often the heartbeat is rewritten. Default 5000 ms. */
  intervalMs?: number;
  /** A heartbeat older than this (by the storage's clock) is a dead node's. Default 15 000 ms. */
  staleMs?: number;
  logger: Logger;
}

interface Beat {
  nodeId: string;
  address: string;
  etcd: boolean;
}

/**
 * A guard against the split brain of two nodes on one store without etcd: each node keeps
 * `cluster/heartbeats/<nodeId>.json` fresh in the system bucket (every 5 s). At start a
 * node writes its own, then reads the others; it refuses to start when a fresh one (under
 * 15 s old) belongs to a node that does not share its coordination: any other node when
 * this one has no etcd, a node without etcd when this one has it. Ages are compared on
 * the storage's clock (each object's last-modified against this node's own fresh write),
 * so the nodes' clocks do not matter. A stale heartbeat (a node that died without a
 * goodbye) is taken over: ignored and deleted. Writing before reading makes two nodes
 * started at once both see each other, so both refuse rather than both start.
 *
 * A detector, not a lock: a node started while the other's storage writes fail, or two
 * nodes whose storage has no read-after-write listing, can still miss each other.
 */
export async function startStorageHeartbeat(
  opts: StorageHeartbeatOptions,
): Promise<{ close(): Promise<void> }> {
  const { storage, logger } = opts;
  const intervalMs = opts.intervalMs ?? 5000;
  const staleMs = opts.staleMs ?? 15_000;
  const store = createMinioClient({ address: storage.address, token: storage.systemToken });
  const key = `${PREFIX}${encodeURIComponent(opts.nodeId)}.json`;
  const beat: Beat = { nodeId: opts.nodeId, address: opts.address, etcd: opts.etcd };
  const write = () =>
    store.putObject(storage.bucket, key, JSON.stringify(beat), { contentType: "application/json" });
  try {
    await store.createBucket(storage.bucket).catch((err) => {
      if (!(err instanceof AlreadyExistsError)) throw err;
    });
    await write();
    const now = (await store.statObject(storage.bucket, key)).lastModified.getTime();
    for await (const entry of store.listObjects(storage.bucket, { prefix: PREFIX })) {
      if (!("key" in entry) || entry.key === key) continue;
      const conflict = await conflictWith(entry, now);
      if (conflict) {
        await store.deleteObject(storage.bucket, key).catch(() => {});
        throw new Error(conflict);
      }
    }
  } catch (err) {
    store.close();
    throw err;
  }
  const timer = setInterval(() => {
    write().catch((err: Error) => logger.warn({ err }, "could not renew the storage heartbeat"));
  }, intervalMs);
  timer.unref();
  return {
    async close() {
      clearInterval(timer);
      await store.deleteObject(storage.bucket, key).catch(() => {});
      store.close();
    },
  };

  /** Why `entry` forbids this node to start, or undefined. */
  async function conflictWith(entry: ObjectInfo, now: number): Promise<string | undefined> {
    const ageMs = now - entry.lastModified.getTime();
    if (ageMs > staleMs) {
      logger.info({ key: entry.key, ageMs }, "taking over a stale heartbeat of a stopped node");
      await store.deleteObject(storage.bucket, entry.key).catch(() => {});
      return undefined;
    }
    let other: Beat;
    try {
      other = JSON.parse((await store.getObject(storage.bucket, entry.key)).toString("utf8"));
    } catch {
      return undefined; // deleted meanwhile (its node stopped), or not ours
    }
    if (opts.etcd && other.etcd) return undefined;
    const seen = `analytics node ${other.nodeId} (${other.address}) is serving from the same storage (heartbeat ${Math.round(ageMs / 1000)} s ago)`;
    return opts.etcd
      ? `${seen} without etcd; stop it, or start it with ISA_ETCD_ENDPOINTS like this node, before starting this node`
      : `${seen}; two analytics nodes on one store lose data unless they coordinate: configure etcd (ISA_ETCD_ENDPOINTS) on every node, see docs/operators/multi-node.md`;
  }
}
