import {
  ConfigError,
  formatHostPort,
  readHost,
  readInteger,
  readPort,
  readString,
} from "@isa-cloud/rpc/wire";
import { DEFAULT_USER_BUCKET } from "./names.js";
import type { ResultCacheOptions } from "./result-cache.js";

type Env = Record<string, string | undefined>;

export interface DataServiceConfig {
  /** `MINIO_GRPC_HOST:MINIO_GRPC_PORT`, default "localhost:50051". */
  minioAddress: string;
  /** `DUCKDB_GRPC_HOST:DUCKDB_GRPC_PORT`, default "localhost:50052". */
  duckdbAddress: string;
  /** `ISA_USER_BUCKET`, default "data": the bucket in each user's namespace that holds their files. */
  bucket: string;
  /** `ISA_GRPC_POOL_SIZE`, default 1: connections per service. */
  poolSize: number;
  /** `ISA_GRPC_DEADLINE_MS`, default 30,000: deadline of calls that move no file bytes. */
  defaultDeadlineMs: number;
  /** `ISA_QUERY_MAX_ROWS`, default 10,000: most rows a read-only query returns. */
  queryMaxRows: number;
  /**
   * `ISA_RESULT_CACHE_MB`, default 32: memory for analysis results kept while their
   * database is unchanged (DataServiceOptions.resultCache); 0 turns the cache off.
   */
  resultCacheMb: number;
}

/**
 * Reads the guide's variables (MINIO_GRPC_HOST/PORT, DUCKDB_GRPC_HOST/PORT) and this
 * layer's own, with defaults where the guide had none. A bad value throws ConfigError
 * naming the variable.
 */
export function dataServiceConfigFromEnv(env: Env = process.env): DataServiceConfig {
  const bucket = readString(env, "ISA_USER_BUCKET", DEFAULT_USER_BUCKET);
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || bucket.includes("..")) {
    throw new ConfigError(
      "ISA_USER_BUCKET",
      `ISA_USER_BUCKET must be a bucket name (3-63 lower-case letters, digits, "." and "-"), got "${bucket}"`,
    );
  }
  return {
    minioAddress: formatHostPort(
      readHost(env, "MINIO_GRPC_HOST", "localhost"),
      readPort(env, "MINIO_GRPC_PORT", 50051),
    ),
    duckdbAddress: formatHostPort(
      readHost(env, "DUCKDB_GRPC_HOST", "localhost"),
      readPort(env, "DUCKDB_GRPC_PORT", 50052),
    ),
    bucket,
    poolSize: readInteger(env, "ISA_GRPC_POOL_SIZE", 1, { min: 1, max: 64 }),
    defaultDeadlineMs: readInteger(env, "ISA_GRPC_DEADLINE_MS", 30_000, { min: 1, max: 3_600_000 }),
    queryMaxRows: readInteger(env, "ISA_QUERY_MAX_ROWS", 10_000, { min: 1, max: 1_000_000 }),
    resultCacheMb: readInteger(env, "ISA_RESULT_CACHE_MB", 32, { min: 0, max: 65_536 }),
  };
}

/** DataServiceOptions.resultCache from the config's `resultCacheMb`. */
export function resultCacheOption(config: DataServiceConfig): ResultCacheOptions | false {
  return config.resultCacheMb === 0 ? false : { maxBytes: config.resultCacheMb * 1024 * 1024 };
}
