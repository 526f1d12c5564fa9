// The public entry of @isa-cloud/duckdb-supervisor.
export type { DuckdbSupervisorConfig } from "./config.js";
export { defaultWorkerMemoryMiB, supervisorConfigFromEnv } from "./config.js";
export type { OwnerMap } from "./owner-map.js";
export { LocalOwnerMap } from "./owner-map.js";
export type { DuckdbSupervisorHandle, DuckdbSupervisorStats } from "./supervisor.js";
export { duckdbServiceBin, startDuckdbSupervisor } from "./supervisor.js";
