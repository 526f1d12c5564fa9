import { join } from "node:path";
import {
  type DuckdbServiceConfig,
  duckdbConfigFromEnv,
  startDuckdbService,
} from "@isa-cloud/duckdb-service";
import { startDuckdbSupervisor, supervisorConfigFromEnv } from "@isa-cloud/duckdb-supervisor";
import {
  type MinioServiceConfig,
  minioConfigFromEnv,
  startMinioService,
} from "@isa-cloud/minio-service";
import { connectableHost, formatHostPort, readChoice } from "@isa-cloud/rpc/wire";
import { type StackEvent, timedStart } from "./timed-start.js";

export type StackService = "storage" | "analytics";
/** The services in the order they start: analytics keeps its databases in storage. */
export const STACK_SERVICES: readonly StackService[] = ["storage", "analytics"];

type Env = Record<string, string | undefined>;

export interface StartServicesOptions {
  /**
   * Where the services read their settings, as their own bins do: `MINIO_GRPC_HOST`/`_PORT`,
   * `MINIO_HTTP_PORT`, `DUCKDB_GRPC_HOST`/`_PORT`, `ISA_JWT_*`, `MINIO_BACKEND` and
   * `MINIO_S3_*`, `DUCKDB_*` limits, `LOG_LEVEL`. Ports may be 0 (any free port).
   * @example { env: { ...process.env, MINIO_GRPC_PORT: "0", DUCKDB_GRPC_PORT: "0" } }
   */
  env: Env;
  /**
   * Root of all state: objects under `<dataDir>/objects` (filesystem backend; S3 keeps its
   * objects in the bucket), DuckDB's cache under `<dataDir>/duckdb`. Wins over `ISA_DATA_DIR`.
   */
  dataDir: string;
  /**
   * Which services to start, always in dependency order. Default both. Analytics alone
   * finds storage through `MINIO_GRPC_HOST`/`MINIO_GRPC_PORT`.
   * @example { services: ["storage"] }
   */
  services?: readonly StackService[];
  /**
   * Storage settings that win over `env` and `dataDir`. Default none.
   * @example { storage: { maxMessageBytes: 1024 * 1024 } }
   */
  storage?: Partial<MinioServiceConfig>;
  /**
   * How analytics runs. "workers": the @isa-cloud/duckdb-supervisor front, with tenants'
   * databases in worker processes that it kills and restarts when a query passes its
   * deadline or memory budget, so a runaway query hurts only its own tenant.
   * "in-process": one DuckDB in this process (tests; embedders that accept the risk and
   * set UV_THREADPOOL_SIZE before Node starts). `DUCKDB_ISOLATION`, default "workers".
   * @example { isolation: "in-process" }
   */
  isolation?: AnalyticsIsolation;
  /**
   * Analytics settings that win over `env` and `dataDir`, for "in-process" analytics.
   * Default none.
   * @example { analytics: { maxOpenDatabases: 2, checkpointIntervalMs: 500 } }
   */
  analytics?: Partial<DuckdbServiceConfig>;
  /** Told when each service starts and becomes ready. Default: nobody. */
  onProgress?: (event: StackEvent) => void;
}

export type AnalyticsIsolation = "workers" | "in-process";

export interface ServicesHandle {
  /** Where storage listens; absent when it was not started. */
  storage?: { port: number; httpPort: number; address: string };
  /** Where analytics listens; absent when it was not started. */
  analytics?: { port: number; address: string };
  /**
   * `options.env` with `MINIO_GRPC_HOST`/`_PORT` and `DUCKDB_GRPC_HOST`/`_PORT` naming
   * where the started services really listen: what a layer on top (the API) reads.
   */
  env: Env;
  /** Stops what was started, analytics first (it checkpoints its databases into storage). */
  close(): Promise<void>;
}

/**
 * Starts storage, then analytics, in this process, each on its configured port, and
 * tells analytics where storage really listens. A configuration error is thrown as the
 * service's reader raised it, before that service starts; a service that does not
 * start is a ServiceStartError. Either way, what already started is stopped.
 */
export async function startServices(options: StartServicesOptions): Promise<ServicesHandle> {
  const env: Env = { ...options.env };
  const wanted = new Set(options.services ?? STACK_SERVICES);
  const closers: Array<() => Promise<void>> = [];
  const handle: ServicesHandle = {
    env,
    async close() {
      for (const close of closers.splice(0).reverse()) await close();
    },
  };

  try {
    if (wanted.has("storage")) {
      const config = minioConfigFromEnv(env);
      // MINIO_BACKEND=s3 (and its MINIO_S3_* variables) is honoured as the service reads
      // it; only the filesystem backend's root follows the data directory.
      if (config.backend.kind === "fs") {
        config.backend = { kind: "fs", root: join(options.dataDir, "objects") };
      }
      Object.assign(config, options.storage);
      const { result, ms } = await timedStart(
        "storage",
        () => startMinioService(config),
        options.onProgress,
      );
      closers.push(() => result.close());
      const host = connectableHost(config.host);
      const address = formatHostPort(host, result.port);
      handle.storage = { port: result.port, httpPort: result.httpPort, address };
      env.MINIO_GRPC_HOST = host;
      env.MINIO_GRPC_PORT = String(result.port);
      options.onProgress?.({
        service: "storage",
        phase: "ready",
        address,
        ms,
        detail: `presigned URLs on port ${result.httpPort}`,
      });
    }
    if (wanted.has("analytics")) {
      const isolation =
        options.isolation ??
        readChoice(env, "DUCKDB_ISOLATION", ["workers", "in-process"] as const, "workers");
      const { result, ms, host } = await startAnalytics(isolation, env, options);
      closers.push(() => result.close());
      const address = formatHostPort(host, result.port);
      handle.analytics = { port: result.port, address };
      env.DUCKDB_GRPC_HOST = host;
      env.DUCKDB_GRPC_PORT = String(result.port);
      options.onProgress?.({
        service: "analytics",
        phase: "ready",
        address,
        ms,
        ...(isolation === "workers" ? { detail: "tenants isolated in worker processes" } : {}),
      });
    }
  } catch (err) {
    await handle.close().catch(() => {});
    throw err;
  }
  return handle;
}

async function startAnalytics(
  isolation: AnalyticsIsolation,
  env: Env,
  options: StartServicesOptions,
) {
  const cacheDir = join(options.dataDir, "duckdb");
  if (isolation === "in-process") {
    const config = duckdbConfigFromEnv(env);
    config.cacheDir = cacheDir;
    Object.assign(config, options.analytics);
    const started = await timedStart(
      "analytics",
      () => startDuckdbService(config),
      options.onProgress,
    );
    return { ...started, host: connectableHost(config.host) };
  }
  if (options.analytics) {
    throw new Error(
      'analytics settings apply to in-process analytics only: pass isolation: "in-process", ' +
        "or set the workers' DUCKDB_* variables in env",
    );
  }
  // The workers read the same variables the in-process service would, storage's real
  // address included; their caches live under the same data directory.
  const config = supervisorConfigFromEnv(env);
  config.cacheDir = cacheDir;
  config.workerEnv = { ...env, ISA_DATA_DIR: options.dataDir };
  const started = await timedStart(
    "analytics",
    () => startDuckdbSupervisor(config),
    options.onProgress,
  );
  return { ...started, host: connectableHost(config.host) };
}
