// The public entry of @isa-cloud/duckdb-supervisor.
export type { ClusterConfig, NodeSettings } from "./cluster/cluster-config.js";
export { EtcdOwnerMap } from "./cluster/etcd-owner-map.js";
export type { DuckdbSupervisorConfig } from "./config.js";
export { defaultWorkerMemoryMiB, supervisorConfigFromEnv } from "./config.js";
export type { OwnerMap, Placement } from "./owner-map.js";
export { LocalOwnerMap } from "./owner-map.js";
export type { DuckdbSupervisorHandle, DuckdbSupervisorStats } from "./supervisor.js";
export { duckdbServiceBin, startDuckdbSupervisor } from "./supervisor.js";
