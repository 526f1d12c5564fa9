import { readInteger } from "@isa-cloud/rpc/wire";

/** Multi-node mode: membership, ownership and routing through etcd. */
export interface ClusterConfig {
  /**
   * etcd client URLs. `ISA_ETCD_ENDPOINTS`, comma-separated; `host:port` gets `http://`.
   * @example ["http://10.0.0.5:2379", "http://10.0.0.6:2379"]
   */
  endpoints: string[];
  /**
   * TTL of the node's lease, in seconds: a dead node's owners are free again after it.
   * `ISA_ETCD_LEASE_TTL_SECONDS`, default 5 (etcd raises a TTL below its minimum, 2 s
   * with default timings).
   */
  leaseTtlSeconds: number;
}

/** What the environment says about the node's place in a cluster. */
export interface NodeSettings {
  /** Undefined without `ISA_ETCD_ENDPOINTS`: one node, `LocalOwnerMap`. */
  cluster?: ClusterConfig;
  /** `ISA_NODE_ID`; default: see `resolveNodeId`. */
  nodeId?: string;
  /** `DUCKDB_ADVERTISE_ADDRESS`; default: see `advertisedAddress`. */
  advertiseAddress?: string;
}

export function nodeSettingsFromEnv(env: NodeJS.ProcessEnv): NodeSettings {
  const endpoints = (env.ISA_ETCD_ENDPOINTS ?? "")
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean)
    .map((e) => (/^https?:\/\//.test(e) ? e : `http://${e}`));
  const nodeId = env.ISA_NODE_ID?.trim();
  if (nodeId !== undefined && nodeId !== "" && !/^[A-Za-z0-9._:-]{1,128}$/.test(nodeId)) {
    throw new Error(
      `ISA_NODE_ID must be 1 to 128 letters, digits, '.', '_', ':' or '-' (got "${nodeId}")`,
    );
  }
  const advertise = env.DUCKDB_ADVERTISE_ADDRESS?.trim();
  return {
    ...(endpoints.length > 0
      ? {
          cluster: {
            endpoints,
            leaseTtlSeconds: readInteger(env, "ISA_ETCD_LEASE_TTL_SECONDS", 5, {
              min: 1,
              max: 3600,
            }),
          },
        }
      : {}),
    ...(nodeId ? { nodeId } : {}),
    ...(advertise ? { advertiseAddress: advertise } : {}),
  };
}
