import { join } from "node:path";
import { type ApiHandle, apiConfigFromEnv, startApi } from "@isa-cloud/api";
import { duckdbConfigFromEnv, startDuckdbService } from "@isa-cloud/duckdb-service";
import { minioConfigFromEnv, startMinioService } from "@isa-cloud/minio-service";
import { connectableHost, formatHostPort } from "@isa-cloud/rpc";

export type ServiceName = "storage" | "analytics" | "api";
export const SERVICE_NAMES: readonly ServiceName[] = ["storage", "analytics", "api"];

export interface StackOptions {
  /** Environment the services read their settings from (ports, hosts, auth, limits). */
  env: Record<string, string | undefined>;
  /** Root of all state: objects under `<dataDir>/objects`, DuckDB's cache under `<dataDir>/duckdb`. */
  dataDir: string;
  /** Start only this service, for deployments as separate processes. Default: all three. */
  only?: ServiceName;
  /** Told when each service starts and becomes ready. */
  onProgress?: (event: StackEvent) => void;
}

export type StackEvent =
  | { service: ServiceName; phase: "starting" }
  | { service: ServiceName; phase: "ready"; address: string; ms: number; detail?: string };

export interface StackHandle {
  storage?: { port: number; httpPort: number; address: string };
  analytics?: { port: number; address: string };
  api?: ApiHandle;
  /** Stops what was started, the API first and storage last (analytics checkpoints into storage). */
  close(): Promise<void>;
}

/** A service that failed to start, and why. */
export class ServiceStartError extends Error {
  override name = "ServiceStartError";
  constructor(
    readonly service: ServiceName,
    cause: unknown,
  ) {
    super(`${service} did not start: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
  }
}

/**
 * Starts storage, analytics and the API in this process, each on its configured
 * port (0 = any free port, and the next service is told the real one), in the
 * order they depend on each other. On failure, what already started is stopped.
 */
export async function startStack(options: StackOptions): Promise<StackHandle> {
  const env = { ...options.env };
  const wanted = (name: ServiceName) => options.only === undefined || options.only === name;
  const closers: Array<() => Promise<void>> = [];
  const handle: StackHandle = {
    async close() {
      for (const close of closers.splice(0).reverse()) await close();
    },
  };
  const timed = async <T>(service: ServiceName, start: () => Promise<T>) => {
    options.onProgress?.({ service, phase: "starting" });
    const began = performance.now();
    try {
      const result = await start();
      return { result, ms: Math.round(performance.now() - began) };
    } catch (err) {
      throw new ServiceStartError(service, err);
    }
  };

  try {
    if (wanted("storage")) {
      const config = minioConfigFromEnv(env);
      // MINIO_BACKEND=s3 (and its MINIO_S3_* variables) is honoured as the service reads
      // it; only the filesystem backend's root follows the data directory.
      if (config.backend.kind === "fs") {
        config.backend = { kind: "fs", root: join(options.dataDir, "objects") };
      }
      const { result, ms } = await timed("storage", () => startMinioService(config));
      closers.push(() => result.close());
      const address = formatHostPort(connectableHost(config.host), result.port);
      handle.storage = { port: result.port, httpPort: result.httpPort, address };
      // Later services reach storage where it really listens.
      env.MINIO_GRPC_HOST = connectableHost(config.host);
      env.MINIO_GRPC_PORT = String(result.port);
      options.onProgress?.({
        service: "storage",
        phase: "ready",
        address,
        ms,
        detail: `presigned URLs on port ${result.httpPort}`,
      });
    }
    if (wanted("analytics")) {
      const config = duckdbConfigFromEnv(env);
      config.cacheDir = join(options.dataDir, "duckdb");
      const { result, ms } = await timed("analytics", () => startDuckdbService(config));
      closers.push(() => result.close());
      const address = formatHostPort(connectableHost(config.host), result.port);
      handle.analytics = { port: result.port, address };
      env.DUCKDB_GRPC_HOST = connectableHost(config.host);
      env.DUCKDB_GRPC_PORT = String(result.port);
      options.onProgress?.({ service: "analytics", phase: "ready", address, ms });
    }
    if (wanted("api")) {
      const config = apiConfigFromEnv(env);
      const { result, ms } = await timed("api", () => startApi(config));
      closers.push(() => result.close());
      handle.api = result;
      options.onProgress?.({
        service: "api",
        phase: "ready",
        address: result.url,
        ms,
        detail: `docs at ${result.url}/docs`,
      });
    }
  } catch (err) {
    await handle.close().catch(() => {});
    throw err;
  }
  return handle;
}
