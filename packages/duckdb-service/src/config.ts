import { cpus, totalmem } from "node:os";
import { resolve } from "node:path";
import { DEFAULT_MAX_MESSAGE_BYTES, formatHostPort, readInteger } from "@isa-cloud/rpc/wire";
import { type AuthConfig, authConfigFromEnv, signToken } from "@isa-cloud/rpc-server";
import type { Logger } from "pino";
import { clampLimits, type LimitCaps, MIN_MEMORY_BYTES, parseMemorySize } from "./engine/limits.js";
import type { DatabaseLimits } from "./engine/sandbox.js";
import {
  type AnalyticsOperationsConfig,
  analyticsOperationsFromEnv,
} from "./observability/operations-config.js";

export interface DuckdbServiceConfig extends AnalyticsOperationsConfig {
  /** Interface to listen on. `DUCKDB_GRPC_HOST`, default "127.0.0.1" (loopback, as storage). */
  host: string;
  /** gRPC port; 0 picks a free one. `DUCKDB_GRPC_PORT`, default 50052. */
  port: number;
  /** Local cache of database files, staging and snapshots. Default `<ISA_DATA_DIR>/duckdb`. */
  cacheDir: string;
  storage: {
    /** The storage service, "host:port". `MINIO_GRPC_HOST`:`MINIO_GRPC_PORT`, default localhost:50051. */
    address: string;
    /** A token with `isa_system: true`, for the system bucket of database files. */
    systemToken: () => Promise<string> | string;
    /** System bucket of database files, registry and backups. `DUCKDB_BUCKET`, default "duckdb-databases". */
    bucket?: string;
  };
  auth: AuthConfig;
  /**
   * Databases open at once (LRU beyond). `DUCKDB_MAX_OPEN_DATABASES`, default 64; lowered
   * so that each open database gets at least 128 MB of `totalMemoryBytes`.
   */
  maxOpenDatabases: number;
  /**
   * Memory all open databases share. `DUCKDB_TOTAL_MEMORY`, default half of the machine's
   * RAM. A database's memory_limit is at most this / `maxOpenDatabases`.
   */
  totalMemoryBytes?: number;
  /**
   * Worker threads all open databases share. `DUCKDB_TOTAL_THREADS`, default 2 per CPU.
   * A database's threads are at most this / `maxOpenDatabases` (at least 1).
   */
  totalThreads?: number;
  /** How often changed databases are uploaded. `DUCKDB_CHECKPOINT_INTERVAL_SECONDS`, default 60 s. */
  checkpointIntervalMs: number;
  /** Connections (concurrent calls) per database. `DUCKDB_MAX_CONNECTIONS`, default 8. */
  maxConnectionsPerDatabase?: number;
  /** Limits of a database created without `config`. `DUCKDB_MEMORY_LIMIT` "512MB", `DUCKDB_THREADS` 2. */
  defaultLimits?: DatabaseLimits;
  /** Most a CreateDatabase `config` may ask for. `DUCKDB_MAX_MEMORY_LIMIT` "4GB", `DUCKDB_MAX_THREADS` 4. */
  limitCaps?: LimitCaps;
  /** Timeout of a query that names none. `DUCKDB_QUERY_TIMEOUT_SECONDS`, default 300 s. */
  queryTimeoutMs?: number;
  /** Cap on `timeout_seconds`. `DUCKDB_MAX_QUERY_TIMEOUT_SECONDS`, default 3600 s. */
  maxQueryTimeoutMs?: number;
  /** gRPC message limit both ways. `ISA_MAX_MESSAGE_BYTES`, default 8 MiB, at most 64 MiB. */
  maxMessageBytes?: number;
  /**
   * Target size of one streamed message. Default 256 KiB: grpc-js queues up to 16
   * messages per call as objects before backpressure starts, so smaller messages keep a
   * slow reader's share of the heap small at no cost in throughput.
   */
  streamChunkBytes?: number;
  /** Largest ImportData upload. `DUCKDB_MAX_IMPORT_BYTES`, default 10 GiB. */
  maxImportBytes?: number;
  /**
   * Multi-node mode: generation pointers in etcd, fenced by owner, and writes acknowledged
   * once their WAL is in object storage. Set by the supervisor's environment
   * (`ISA_ETCD_ENDPOINTS`, ...); absent: one node, pointers in the registry.
   */
  cluster?: ClusterSettings;
  /**
   * Stored objects no pointer names are deleted once older than this; the sweep runs as
   * often. `DUCKDB_ORPHAN_AGE_MINUTES`, default 15 min.
   */
  orphanAgeMs?: number;
  /** pino level. `LOG_LEVEL`, default "info". */
  logLevel?: string;
  /** A logger to use instead of a new one. */
  logger?: Logger;
}

export interface ClusterSettings {
  /** etcd client URLs. `ISA_ETCD_ENDPOINTS`, comma-separated. */
  etcdEndpoints: string[];
  /** This node's id, the value of the owner keys it holds. `ISA_NODE_ID`, required. */
  nodeId: string;
  /** `ISA_ETCD_OWNER_PREFIX`, default "/isa/analytics/owners/". */
  ownerPrefix?: string;
  /** The lease the node holds owner keys under, also required of them. `ISA_ETCD_LEASE_ID`. */
  leaseId?: string;
}

export type ResolvedConfig = Required<
  Omit<
    DuckdbServiceConfig,
    "logger" | "logLevel" | "storage" | "cluster" | keyof AnalyticsOperationsConfig
  >
> & {
  storage: Required<DuckdbServiceConfig["storage"]>;
  cluster: ClusterSettings | undefined;
};

export const DEFAULT_LIMITS: DatabaseLimits = { memoryLimit: "512MB", threads: 2 };

/**
 * Clients default to 8 MiB; a larger unary message only helps clients raised to match, and
 * a much larger one is whole results held in memory, which ExecuteQueryStream avoids.
 */
export const MAX_MESSAGE_BYTES_CAP = 64 * 1024 * 1024;

/** Half the machine's RAM: DuckDB's own default for one database, here for all of them. */
export function defaultTotalMemoryBytes(): number {
  return Math.floor(totalmem() / 2);
}

export function defaultTotalThreads(): number {
  return Math.max(1, cpus().length) * 2;
}

/**
 * What one open database may use when all `maxOpenDatabases` are open at once: the
 * process-wide budget split evenly, so the worst case stays within it. `maxOpenDatabases`
 * is lowered when the split would leave a database less than DuckDB's working minimum.
 */
export function perDatabaseShare(
  totalMemoryBytes: number,
  totalThreads: number,
  maxOpenDatabases: number,
): { maxOpenDatabases: number; memoryBytes: number; threads: number } {
  const open = Math.max(
    1,
    Math.min(maxOpenDatabases, Math.floor(totalMemoryBytes / MIN_MEMORY_BYTES)),
  );
  return {
    maxOpenDatabases: open,
    memoryBytes: Math.max(MIN_MEMORY_BYTES, Math.floor(totalMemoryBytes / open)),
    threads: Math.max(1, Math.floor(totalThreads / open)),
  };
}

export function resolveConfig(config: DuckdbServiceConfig): ResolvedConfig {
  const totalMemoryBytes = config.totalMemoryBytes ?? defaultTotalMemoryBytes();
  const totalThreads = config.totalThreads ?? defaultTotalThreads();
  const share = perDatabaseShare(totalMemoryBytes, totalThreads, config.maxOpenDatabases);
  const caps = config.limitCaps ?? { maxMemoryBytes: 4 * 1000 ** 3, maxThreads: 4 };
  const limitCaps: LimitCaps = {
    maxMemoryBytes: Math.min(caps.maxMemoryBytes, share.memoryBytes),
    maxThreads: Math.min(caps.maxThreads, share.threads),
  };
  return {
    host: config.host,
    port: config.port,
    cacheDir: resolve(config.cacheDir),
    storage: { bucket: "duckdb-databases", ...config.storage },
    auth: config.auth,
    maxOpenDatabases: share.maxOpenDatabases,
    totalMemoryBytes,
    totalThreads,
    checkpointIntervalMs: config.checkpointIntervalMs,
    maxConnectionsPerDatabase: config.maxConnectionsPerDatabase ?? 8,
    defaultLimits: clampLimits(config.defaultLimits ?? DEFAULT_LIMITS, limitCaps),
    limitCaps,
    queryTimeoutMs: config.queryTimeoutMs ?? 300_000,
    maxQueryTimeoutMs: config.maxQueryTimeoutMs ?? 3_600_000,
    maxMessageBytes: Math.min(
      config.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      MAX_MESSAGE_BYTES_CAP,
    ),
    streamChunkBytes: config.streamChunkBytes ?? 256 * 1024,
    maxImportBytes: config.maxImportBytes ?? 10 * 1024 ** 3,
    cluster: config.cluster,
    orphanAgeMs: config.orphanAgeMs ?? 15 * 60_000,
  };
}

/**
 * Signs (and re-signs before expiry) the service's own system token with the HS256
 * secret the services share.
 */
export function systemTokenSigner(
  secret: string,
  sub = "isa-duckdb-service",
): () => Promise<string> {
  let cached: { token: string; renewAt: number } | undefined;
  return async () => {
    if (!cached || Date.now() >= cached.renewAt) {
      const token = await signToken({ secret, sub, system: true, expiresIn: "1h" });
      cached = { token, renewAt: Date.now() + 45 * 60_000 };
    }
    return cached.token;
  };
}

/** Reads the configuration from the environment; a bad value throws naming the variable. */
export function duckdbConfigFromEnv(env: NodeJS.ProcessEnv = process.env): DuckdbServiceConfig {
  const auth = authConfigFromEnv(env);
  const systemTokenEnv = env.ISA_SYSTEM_TOKEN?.trim();
  let systemToken: () => Promise<string> | string;
  if (systemTokenEnv) systemToken = () => systemTokenEnv;
  else if (auth.hs256Secret) systemToken = systemTokenSigner(auth.hs256Secret);
  else {
    throw new Error(
      "ISA_SYSTEM_TOKEN is required when tokens are verified with a public key or JWKS: " +
        "give the analytics service a token with isa_system: true for the storage service",
    );
  }
  const dataDir = env.ISA_DATA_DIR?.trim() || "./data";
  return {
    host: env.DUCKDB_GRPC_HOST?.trim() || "127.0.0.1",
    port: readInteger(env, "DUCKDB_GRPC_PORT", 50052, { min: 0, max: 65535 }),
    cacheDir: resolve(dataDir, "duckdb"),
    storage: {
      address: formatHostPort(
        env.MINIO_GRPC_HOST?.trim() || "localhost",
        readInteger(env, "MINIO_GRPC_PORT", 50051, { min: 1, max: 65535 }),
      ),
      systemToken,
      bucket: env.DUCKDB_BUCKET?.trim() || "duckdb-databases",
    },
    auth,
    maxOpenDatabases: readInteger(env, "DUCKDB_MAX_OPEN_DATABASES", 64, { min: 1, max: 100_000 }),
    totalMemoryBytes: totalMemory(env),
    totalThreads: readInteger(env, "DUCKDB_TOTAL_THREADS", defaultTotalThreads(), {
      min: 1,
      max: 65_536,
    }),
    checkpointIntervalMs:
      readInteger(env, "DUCKDB_CHECKPOINT_INTERVAL_SECONDS", 60, { min: 1, max: 86_400 }) * 1000,
    maxConnectionsPerDatabase: readInteger(env, "DUCKDB_MAX_CONNECTIONS", 8, { min: 1, max: 1024 }),
    defaultLimits: {
      memoryLimit: memory(env, "DUCKDB_MEMORY_LIMIT", DEFAULT_LIMITS.memoryLimit),
      threads: readInteger(env, "DUCKDB_THREADS", DEFAULT_LIMITS.threads, { min: 1, max: 1024 }),
    },
    limitCaps: {
      maxMemoryBytes: parseMemorySize(memory(env, "DUCKDB_MAX_MEMORY_LIMIT", "4GB")) ?? 0,
      maxThreads: readInteger(env, "DUCKDB_MAX_THREADS", 4, { min: 1, max: 1024 }),
    },
    queryTimeoutMs:
      readInteger(env, "DUCKDB_QUERY_TIMEOUT_SECONDS", 300, { min: 1, max: 86_400 }) * 1000,
    maxQueryTimeoutMs:
      readInteger(env, "DUCKDB_MAX_QUERY_TIMEOUT_SECONDS", 3600, { min: 1, max: 86_400 }) * 1000,
    maxMessageBytes: readInteger(env, "ISA_MAX_MESSAGE_BYTES", DEFAULT_MAX_MESSAGE_BYTES, {
      min: 65_536,
      max: MAX_MESSAGE_BYTES_CAP,
    }),
    maxImportBytes: readInteger(env, "DUCKDB_MAX_IMPORT_BYTES", 10 * 1024 ** 3, {
      min: 1,
      max: Number.MAX_SAFE_INTEGER,
    }),
    orphanAgeMs:
      readInteger(env, "DUCKDB_ORPHAN_AGE_MINUTES", 15, { min: 1, max: 10_080 }) * 60_000,
    ...clusterFromEnv(env),
    ...analyticsOperationsFromEnv(env, {
      host: env.DUCKDB_GRPC_HOST?.trim() || "127.0.0.1",
      port: readInteger(env, "DUCKDB_GRPC_PORT", 50052, { min: 0, max: 65535 }),
    }),
    ...(env.LOG_LEVEL?.trim() ? { logLevel: env.LOG_LEVEL.trim() } : {}),
  };
}

function clusterFromEnv(env: NodeJS.ProcessEnv): { cluster?: ClusterSettings } {
  const etcdEndpoints = (env.ISA_ETCD_ENDPOINTS ?? "")
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "")
    .map((e) => (/^https?:\/\//.test(e) ? e : `http://${e}`));
  if (etcdEndpoints.length === 0) return {};
  const nodeId = env.ISA_NODE_ID?.trim();
  if (!nodeId) {
    throw new Error(
      "ISA_NODE_ID is required with ISA_ETCD_ENDPOINTS: the node id the owner keys in etcd name (the supervisor sets both)",
    );
  }
  const ownerPrefix = env.ISA_ETCD_OWNER_PREFIX?.trim();
  const leaseId = env.ISA_ETCD_LEASE_ID?.trim();
  return {
    cluster: {
      etcdEndpoints,
      nodeId,
      ...(ownerPrefix ? { ownerPrefix } : {}),
      ...(leaseId ? { leaseId } : {}),
    },
  };
}

function memory(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (parseMemorySize(raw) === undefined) {
    throw new Error(`${name} must be a size like "512MB" or "2GiB", got ${JSON.stringify(raw)}`);
  }
  return raw;
}

function totalMemory(env: NodeJS.ProcessEnv): number {
  const raw = env.DUCKDB_TOTAL_MEMORY?.trim();
  if (!raw) return defaultTotalMemoryBytes();
  const bytes = parseMemorySize(raw);
  if (bytes === undefined || bytes < MIN_MEMORY_BYTES) {
    throw new Error(
      `DUCKDB_TOTAL_MEMORY must be a size like "16GB", at least 128MB, got ${JSON.stringify(raw)}`,
    );
  }
  return bytes;
}
