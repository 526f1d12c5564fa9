import { realpath } from "node:fs/promises";
import { MinioClient } from "@isa-cloud/minio-client";
import { createLogger, startGrpcServer } from "@isa-cloud/rpc-server";
import { Etcd3 } from "etcd3";
import { type DuckdbServiceConfig, type ResolvedConfig, resolveConfig } from "./config.js";
import { DatabaseManager } from "./databases/database-manager.js";
import { EtcdGenerationStore } from "./databases/etcd-generations.js";
import type { GenerationStore } from "./databases/generations.js";
import { sweepOrphans } from "./databases/orphan-sweep.js";
import { Registry } from "./databases/registry.js";
import { RegistryGenerationStore } from "./databases/registry-generations.js";
import { readEngineInfo } from "./engine/engine-info.js";
import { startAnalyticsObservability } from "./observability/observability.js";
import { createServiceImpl } from "./rpc/create-service.js";
import { PreEncodedDuckDBServiceDefinition } from "./rpc/pre-encoded.js";
import { PreparedStatements } from "./rpc/prepared-statements.js";
import type { ServiceContext } from "./rpc/service-context.js";

export interface DuckdbServiceHandle {
  /** The bound port (the chosen one when `port` was 0). */
  port: number;
  /**
   * The port of `/metrics`, `/healthz` and `/readyz`; 0 when `config.metrics` is unset.
   * Optional so that wrappers of a handle need not invent one.
   */
  metricsPort?: number;
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
  const bucket = resolved.storage.bucket;
  const registry = new Registry(systemStore, bucket);
  const generations = generationStoreOf(resolved.cluster, registry);
  const manager = new DatabaseManager({
    cacheDir: resolved.cacheDir,
    store: systemStore,
    bucket,
    registry,
    generations,
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
    generations.close();
    throw new Error(
      `cannot reach the storage service at ${address} to keep database files: ${(err as Error).message}`,
    );
  }

  const observability = await startAnalyticsObservability(
    config,
    { manager, systemStore, maxOpenDatabases: resolved.maxOpenDatabases },
    logger,
  );
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
      {
        definition: PreEncodedDuckDBServiceDefinition,
        implementation: observability.timed(createServiceImpl(ctx)),
      },
    ],
    auth: resolved.auth,
    logger,
    maxMessageBytes: resolved.maxMessageBytes,
    ...(config.tls ? { tls: config.tls } : {}),
    ...(observability.accessLog ? { accessLog: observability.accessLog } : {}),
  });
  const metricsPort = await observability.listen(() => serving);

  let checkpointing: Promise<void> | undefined;
  const timer = setInterval(() => {
    checkpointing ??= observability
      .round(() => manager.checkpointAll(false))
      .finally(() => {
        checkpointing = undefined;
      });
  }, resolved.checkpointIntervalMs);
  timer.unref();
  let sweeping: Promise<void> | undefined;
  const sweeper = setInterval(() => {
    sweeping ??= sweepOrphans({
      store: systemStore,
      bucket,
      registry,
      generations,
      olderThanMs: resolved.orphanAgeMs,
    })
      .then((n) => {
        if (n > 0) logger.info({ deleted: n }, "deleted stored objects no pointer names");
      })
      .catch((err) => logger.warn({ err }, "orphan sweep failed; will retry"))
      .finally(() => {
        sweeping = undefined;
      });
  }, resolved.orphanAgeMs);
  sweeper.unref();
  logger.info(
    {
      port: server.port,
      metricsPort,
      cacheDir: resolved.cacheDir,
      storage: address,
      duckdb: engine.version,
      ...(resolved.cluster ? { node: resolved.cluster.nodeId } : {}),
    },
    "analytics service started",
  );

  let closing: Promise<void> | undefined;
  return {
    port: server.port,
    metricsPort,
    close() {
      closing ??= (async () => {
        serving = false;
        clearInterval(timer);
        clearInterval(sweeper);
        await server.shutdown();
        await checkpointing;
        await sweeping;
        await manager.close();
        generations.close();
        systemStore.close();
        userStore.close();
        await observability.close();
        logger.info("analytics service stopped; every open database was checkpointed");
      })();
      return closing;
    },
  };
}

/** Pointers in etcd, fenced by owner, in a cluster; in the registry on one node. */
function generationStoreOf(
  cluster: ResolvedConfig["cluster"],
  registry: Registry,
): GenerationStore {
  if (!cluster) return new RegistryGenerationStore(registry);
  return new EtcdGenerationStore({
    client: new Etcd3({
      hosts: cluster.etcdEndpoints,
      // A pointer move must fail (the write is then not acknowledged) rather than hang
      // while etcd is unreachable.
      defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + 5000 }),
    }),
    nodeId: cluster.nodeId,
    ownerPrefix: cluster.ownerPrefix ?? "/isa/analytics/owners/",
    ...(cluster.leaseId ? { leaseId: cluster.leaseId } : {}),
    registry,
  });
}
