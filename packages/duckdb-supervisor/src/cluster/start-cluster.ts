import { rm } from "node:fs/promises";
import { Etcd3 } from "etcd3";
import type { Logger } from "pino";
import type { Worker } from "../worker.js";
import type { ClusterConfig } from "./cluster-config.js";
import { EtcdOwnerMap } from "./etcd-owner-map.js";
import { OWNERS_PREFIX } from "./keys.js";
import { Membership } from "./membership.js";
import { NodeChannels } from "./node-channels.js";

export interface ClusterOptions {
  config: ClusterConfig;
  nodeId: string;
  address: string;
  workers: Worker[];
  /** The workers' environment: the etcd variables part 2 needs are set in it. */
  workerEnv: NodeJS.ProcessEnv;
  /** `<cacheDir>/workers`, emptied before the first lease. */
  workersDir: string;
  logger: Logger;
}

export interface Cluster {
  map: EtcdOwnerMap;
  channels: NodeChannels;
  /** Revokes the lease (the node's owners are free at once), then disconnects. */
  close(): Promise<void>;
}

/**
 * Joins the cluster: mirrors the owner map, empties the local caches, registers.
 *
 * The local caches start empty and are emptied again on every lost lease, because the
 * node held no owner in between: any other node may have claimed one and checkpointed
 * newer files to storage, so a local copy is no longer known to be the newest. (Writes
 * acknowledged after an owner's last checkpoint are lost when its node dies or is fenced;
 * part 2's WAL shipping and fenced generations close that gap.)
 */
export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const { config, nodeId, workers, workerEnv, logger } = opts;
  const client = new Etcd3({
    hosts: config.endpoints,
    // Unary calls get a deadline: a claim must fail (UNAVAILABLE, retried by the client)
    // rather than hang while etcd is unreachable. Watches and keepalives are streams.
    defaultCallOptions: (context) =>
      context.isStream ? {} : { deadline: Date.now() + config.leaseTtlSeconds * 1000 },
  });
  // What part 2 needs in duckdb-service: who this node is and which key fences it.
  workerEnv.ISA_ETCD_ENDPOINTS = config.endpoints.join(",");
  workerEnv.ISA_NODE_ID = nodeId;
  workerEnv.ISA_ETCD_OWNER_PREFIX = OWNERS_PREFIX;
  const map = new EtcdOwnerMap({ client, nodeId, workers: workers.length, logger });
  const membership = new Membership({
    client,
    nodeId,
    address: opts.address,
    ttlSeconds: config.leaseTtlSeconds,
    logger,
    onLease(lease) {
      // Workers are spawned after this and fenced before the next lease, so each worker
      // process lives within one lease: the id it is given stays true for its life.
      workerEnv.ISA_ETCD_LEASE_ID = lease;
      for (const worker of workers) worker.resume();
      map.setLease(lease);
    },
    async onLost() {
      map.setLease(undefined);
      await Promise.all(workers.map((w) => w.fence()));
    },
  });
  try {
    await map.start();
    await rm(opts.workersDir, { recursive: true, force: true });
    await membership.start();
  } catch (err) {
    await map.close().catch(() => {});
    client.close();
    throw new Error(
      `could not join the analytics cluster through etcd at ${config.endpoints.join(", ")}: ${(err as Error).message}`,
    );
  }
  const channels = new NodeChannels();
  return {
    map,
    channels,
    async close() {
      await membership.close();
      await map.close();
      channels.close();
      client.close();
    },
  };
}
