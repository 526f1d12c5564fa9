import { totalmem } from "node:os";
import { resolve } from "node:path";
import { DEFAULT_MAX_MESSAGE_BYTES, readInteger } from "@isa-cloud/rpc/wire";
import type { Logger } from "pino";
import { type NodeSettings, nodeSettingsFromEnv } from "./cluster/cluster-config.js";
import { type SupervisorOperations, supervisorOperationsFromEnv } from "./operations.js";

/**
 * `cluster` (`ISA_ETCD_ENDPOINTS`, `ISA_ETCD_LEASE_TTL_SECONDS`), `nodeId` (`ISA_NODE_ID`)
 * and `advertiseAddress` (`DUCKDB_ADVERTISE_ADDRESS`) come from `NodeSettings`.
 */
export interface DuckdbSupervisorConfig extends NodeSettings, SupervisorOperations {
  /** Interface of the public front. `DUCKDB_GRPC_HOST`, default "127.0.0.1". */
  host: string;
  /** Port of the public front; 0 picks a free one. `DUCKDB_GRPC_PORT`, default 50052. */
  port: number;
  /**
   * Root of the workers' local caches: worker n keeps its files under
   * `<cacheDir>/workers/<n>/`. Default `<ISA_DATA_DIR>/duckdb`.
   */
  cacheDir: string;
  /** Worker processes, spawned when first needed. `DUCKDB_WORKERS`, default 4. */
  workers: number;
  /**
   * RSS budget of one worker in MiB; over it the worker is killed and restarted.
   * `DUCKDB_WORKER_MEMORY_MB`, default half the machine's RAM split over the workers
   * (duckdb-service's own default for one process), at least 512.
   */
  workerMemoryMiB: number;
  /**
   * How long past a call's effective deadline its worker may still be running it before
   * the worker is killed. `DUCKDB_WORKER_GRACE_MS`, default 2000.
   */
  graceMs: number;
  /**
   * The workers' default query timeout, which also bounds every SQL-running call's
   * watchdog. `DUCKDB_QUERY_TIMEOUT_SECONDS` (read by the workers too), default 300 s.
   */
  queryTimeoutMs: number;
  /** Cap on `timeout_seconds`. `DUCKDB_MAX_QUERY_TIMEOUT_SECONDS` (workers too), default 3600 s. */
  maxQueryTimeoutMs: number;
  /**
   * libuv pool of each worker, set in its environment before its Node starts.
   * `DUCKDB_WORKER_THREADPOOL_SIZE`, default 16.
   */
  workerThreadpoolSize: number;
  /** gRPC message limit of the front, both ways. `ISA_MAX_MESSAGE_BYTES`, default 8 MiB. */
  maxMessageBytes: number;
  /** How often each worker's RSS is read. Default 200 ms. */
  memoryPollMs?: number;
  /** Longest a worker may take to print its ready line. Default 60 000 ms. */
  readyTimeoutMs?: number;
  /**
   * Environment the workers start from (auth, storage address, DuckDB limits, LOG_LEVEL);
   * host, port, data directory and thread pool are set over it. Default `process.env`.
   */
  workerEnv?: NodeJS.ProcessEnv;
  /** Where workers' log lines go (they are already pino JSON). Default process.stdout. */
  workerLog?: NodeJS.WritableStream;
  /** pino level. `LOG_LEVEL`, default "info". */
  logLevel?: string;
  /** A logger to use instead of a new one. */
  logger?: Logger;
}

const MIB = 1024 * 1024;

/** Half the machine's RAM over the workers: what duckdb-service gives one process by default. */
export function defaultWorkerMemoryMiB(workers: number): number {
  return Math.max(512, Math.floor(totalmem() / 2 / workers / MIB));
}

/** Reads the configuration from the environment; a bad value throws naming the variable. */
export function supervisorConfigFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): DuckdbSupervisorConfig {
  const workers = readInteger(env, "DUCKDB_WORKERS", 4, { min: 1, max: 256 });
  return {
    host: env.DUCKDB_GRPC_HOST?.trim() || "127.0.0.1",
    port: readInteger(env, "DUCKDB_GRPC_PORT", 50052, { min: 0, max: 65535 }),
    cacheDir: resolve(env.ISA_DATA_DIR?.trim() || "./data", "duckdb"),
    workers,
    workerMemoryMiB: readInteger(env, "DUCKDB_WORKER_MEMORY_MB", defaultWorkerMemoryMiB(workers), {
      min: 256,
      max: 16 * 1024 * 1024,
    }),
    graceMs: readInteger(env, "DUCKDB_WORKER_GRACE_MS", 2000, { min: 0, max: 600_000 }),
    queryTimeoutMs:
      readInteger(env, "DUCKDB_QUERY_TIMEOUT_SECONDS", 300, { min: 1, max: 86_400 }) * 1000,
    maxQueryTimeoutMs:
      readInteger(env, "DUCKDB_MAX_QUERY_TIMEOUT_SECONDS", 3600, { min: 1, max: 86_400 }) * 1000,
    workerThreadpoolSize: readInteger(env, "DUCKDB_WORKER_THREADPOOL_SIZE", 16, {
      min: 4,
      max: 1024,
    }),
    maxMessageBytes: readInteger(env, "ISA_MAX_MESSAGE_BYTES", DEFAULT_MAX_MESSAGE_BYTES, {
      min: 65_536,
      max: 64 * MIB,
    }),
    workerEnv: env,
    ...nodeSettingsFromEnv(env),
    ...supervisorOperationsFromEnv(env, {
      host: env.DUCKDB_GRPC_HOST?.trim() || "127.0.0.1",
      port: readInteger(env, "DUCKDB_GRPC_PORT", 50052, { min: 0, max: 65535 }),
    }),
    ...(env.LOG_LEVEL?.trim() ? { logLevel: env.LOG_LEVEL.trim() } : {}),
  };
}
