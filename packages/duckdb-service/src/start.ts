import { realpath } from "node:fs/promises";
import { MinioClient } from "@isa-cloud/minio-client";
import { createLogger, startGrpcServer } from "@isa-cloud/rpc-server";
import { type DuckdbServiceConfig, resolveConfig } from "./config.js";
import { DatabaseManager } from "./databases/database-manager.js";
import { readEngineInfo } from "./engine/engine-info.js";
import { createServiceImpl } from "./rpc/create-service.js";
import { PreEncodedDuckDBServiceDefinition } from "./rpc/pre-encoded.js";
import { PreparedStatements } from "./rpc/prepared-statements.js";
import type { ServiceContext } from "./rpc/service-context.js";

export interface DuckdbServiceHandle {
  /** The bound port (the chosen one when `port` was 0). */
  port: number;
  /** Graceful stop: calls finish, then every open database is checkpointed and closed. */
  close(): Promise<void>;
}

// DuckDB runs every statement on libuv's pool; with the default 4 threads a few long
// queries would also stall file I/O. The bin raises it; embedders should too.
const RECOMMENDED_THREADPOOL = 16;

/** Starts the analytics gRPC server. */
export async function startDuckdbService(
  config: DuckdbServiceConfig,
): Promise<DuckdbServiceHandle> {
  const resolved = resolveConfig(config);
  const logger =
    config.logger ??
    createLogger("isa-duckdb-service", config.logLevel ? { level: config.logLevel } : {});
  const pool = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  if (pool < RECOMMENDED_THREADPOOL) {
    logger.warn(
      { UV_THREADPOOL_SIZE: pool },
      `UV_THREADPOOL_SIZE below ${RECOMMENDED_THREADPOOL}: concurrent queries will queue; set it before Node starts`,
    );
  }

  const engine = await readEngineInfo();
  const address = resolved.storage.address;
  const systemStore = new MinioClient({
    address,
    token: resolved.storage.systemToken,
    maxMessageBytes: resolved.maxMessageBytes,
  });
  // One pool of connections for every caller, with no token of its own (never the system
  // token): `asCaller` binds it to the token of the call being served.
  const userStore = new MinioClient({ address, maxMessageBytes: resolved.maxMessageBytes });
  const manager = new DatabaseManager({
    cacheDir: resolved.cacheDir,
    store: systemStore,
    bucket: resolved.storage.bucket,
    maxOpenDatabases: resolved.maxOpenDatabases,
    maxConnectionsPerDatabase: resolved.maxConnectionsPerDatabase,
    limitCaps: resolved.limitCaps,
    duckdbVersion: engine.version,
    logger,
  });
  try {
    await manager.start();
  } catch (err) {
    systemStore.close();
    userStore.close();
    throw new Error(
      `cannot reach the storage service at ${address} to keep database files: ${(err as Error).message}`,
    );
  }

  let serving = true;
  const ctx: ServiceContext = {
    config: resolved,
    manager,
    engine,
    logger,
    userStore,
    prepared: new PreparedStatements(10_000),
    // Longest first: one may contain the other (/tmp/x inside /private/tmp/x).
    cacheDirs: [...new Set([resolved.cacheDir, await realpath(resolved.cacheDir)])].sort(
      (a, b) => b.length - a.length,
    ),
    startedAt: Date.now(),
    isServing: () => serving,
  };
  const server = await startGrpcServer({
    host: resolved.host,
    port: resolved.port,
    services: [
      { definition: PreEncodedDuckDBServiceDefinition, implementation: createServiceImpl(ctx) },
    ],
    auth: resolved.auth,
    logger,
    maxMessageBytes: resolved.maxMessageBytes,
  });

  let checkpointing: Promise<void> | undefined;
  const timer = setInterval(() => {
    checkpointing ??= manager.checkpointAll(false).finally(() => {
      checkpointing = undefined;
    });
  }, resolved.checkpointIntervalMs);
  timer.unref();
  logger.info(
    { port: server.port, cacheDir: resolved.cacheDir, storage: address, duckdb: engine.version },
    "analytics service started",
  );

  let closing: Promise<void> | undefined;
  return {
    port: server.port,
    close() {
      closing ??= (async () => {
        serving = false;
        clearInterval(timer);
        await server.shutdown();
        await checkpointing;
        await manager.close();
        systemStore.close();
        userStore.close();
        logger.info("analytics service stopped; every open database was checkpointed");
      })();
      return closing;
    },
  };
}
