import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import { DuckDBServiceDefinition } from "@isa-cloud/proto";
import { formatHostPort } from "@isa-cloud/rpc/wire";
import {
  createLogger,
  grpcServerCredentials,
  type MetricsServerHandle,
  processMetrics,
  startMetricsServer,
} from "@isa-cloud/rpc-server";
import { HealthImplementation } from "grpc-health-check";
import { forwardedBy, markForwarded } from "./cluster/loop-guard.js";
import { advertisedAddress, resolveNodeId } from "./cluster/node-id.js";
import { type Cluster, startCluster } from "./cluster/start-cluster.js";
import type { DuckdbSupervisorConfig } from "./config.js";
import { type Destination, forwardingHandlers } from "./forward.js";
import { workerOperationsEnv } from "./operations.js";
import { LocalOwnerMap, type OwnerMap } from "./owner-map.js";
import { type Method, type Route, routeOf } from "./route.js";
import { startStorageHeartbeat } from "./storage-heartbeat.js";
import { supervisorRegistry, workersMetrics } from "./supervisor-metrics.js";
import { type SupervisorCounters, Worker } from "./worker.js";

export interface DuckdbSupervisorHandle {
  /** The bound port of the front (the chosen one when `port` was 0). */
  port: number;
  /** This node's id (`ISA_NODE_ID`, or the one kept in `<cacheDir>/node-id`). */
  nodeId: string;
  /** Graceful stop: the front drains its calls, then every worker checkpoints and exits. */
  close(): Promise<void>;
  /** The port of `/metrics`, `/healthz`, `/readyz`; 0 when `config.metrics` is unset. */
  metricsPort?: number;
  /** Kills, crashes and restarts so far, and each worker's state, for metrics. */
  stats(): DuckdbSupervisorStats;
}

export interface DuckdbSupervisorStats extends SupervisorCounters {
  workers: Array<{
    index: number;
    pid: number | undefined;
    port: number | undefined;
    metricsPort: number | undefined;
    owners: number;
    inflight: number;
    rssMiB: number;
    peakRssMiB: number;
  }>;
}

const SERVICE = DuckDBServiceDefinition.fullName;

/** Reflection is answered by a worker (they all serve the same descriptors). */
const REFLECTION_METHODS = ["grpc.reflection.v1", "grpc.reflection.v1alpha"].map((pkg) => ({
  name: `${pkg}.ServerReflectionInfo`,
  path: `/${pkg}.ServerReflection/ServerReflectionInfo`,
  requestStream: true,
  responseStream: true,
}));

/** duckdb-service's bin, from its public entry (`dist/index.js` beside `dist/bin.js`). */
export function duckdbServiceBin(): string {
  return join(dirname(fileURLToPath(import.meta.resolve("@isa-cloud/duckdb-service"))), "bin.js");
}

/**
 * Starts the analytics front on the public port and the worker pool behind it (workers
 * are spawned when their first owner calls).
 */
export async function startDuckdbSupervisor(
  config: DuckdbSupervisorConfig,
): Promise<DuckdbSupervisorHandle> {
  const logger =
    config.logger ??
    createLogger("isa-duckdb-supervisor", config.logLevel ? { level: config.logLevel } : {});
  const counters: SupervisorCounters = {
    kills: { deadline: 0, memory: 0, orphan: 0 },
    crashes: 0,
    restarts: 0,
  };
  const bin = duckdbServiceBin();
  const workerEnv: NodeJS.ProcessEnv = {
    ...workerOperationsEnv(config.workerEnv ?? process.env),
    // The workers' query timeouts are the ones the watchdogs assume.
    DUCKDB_QUERY_TIMEOUT_SECONDS: String(Math.ceil(config.queryTimeoutMs / 1000)),
    DUCKDB_MAX_QUERY_TIMEOUT_SECONDS: String(Math.ceil(config.maxQueryTimeoutMs / 1000)),
    ISA_MAX_MESSAGE_BYTES: String(config.maxMessageBytes),
  };
  // DuckDB's own buffer pool gets three quarters of the RSS budget (unless set
  // explicitly): the rest is Node, gRPC and DuckDB memory outside its buffer manager, so
  // an ordinary large query spills or fails inside DuckDB before the budget kills the worker.
  workerEnv.DUCKDB_TOTAL_MEMORY ??= `${Math.max(128, Math.floor(config.workerMemoryMiB * 0.75))}MiB`;
  const nodeId = await resolveNodeId(config.cacheDir, config.nodeId);
  workerEnv.ISA_NODE_ID = nodeId;
  const workers = Array.from(
    { length: config.workers },
    (_, index) =>
      new Worker({
        index,
        dir: join(config.cacheDir, "workers", String(index)),
        bin,
        env: workerEnv,
        threadpoolSize: config.workerThreadpoolSize,
        memoryBudgetMiB: config.workerMemoryMiB,
        memoryPollMs: config.memoryPollMs ?? 200,
        readyTimeoutMs: config.readyTimeoutMs ?? 60_000,
        logger,
        log: config.workerLog ?? process.stdout,
        counters,
      }),
  );
  const limits = {
    queryTimeoutMs: config.queryTimeoutMs,
    maxQueryTimeoutMs: config.maxQueryTimeoutMs,
  };
  const onAbandoned = (worker: Worker) => {
    worker.hasOrphans().then(
      (orphans) => {
        if (!orphans) return;
        const message =
          "a statement kept running after its caller cancelled or passed its deadline; the analytics worker was killed and restarted";
        worker.kill("orphan", message, {
          othersCode: grpc.status.UNAVAILABLE,
          others:
            "the analytics worker serving this database was restarted (another call on it did not stop); retry",
        });
      },
      (err: Error) => logger.debug({ worker: worker.index, err }, "orphan check failed"),
    );
  };

  const server = new grpc.Server({
    "grpc.max_receive_message_length": config.maxMessageBytes,
    "grpc.max_send_message_length": config.maxMessageBytes,
  });
  // Filled in once the port is bound (the advertised address needs it). Until then, and
  // while a multi-node node is between two leases, calls are answered UNAVAILABLE.
  let map: OwnerMap | undefined;
  let cluster: Cluster | undefined;
  const destination = async (route: Route, metadata: grpc.Metadata): Promise<Destination> => {
    if (!map) throw new Error("the analytics node is starting; retry");
    const place = await map.placeOf(route.owner, {
      forwarded: forwardedBy(metadata) !== undefined,
    });
    if (place.kind === "local") return { route, worker: workers[place.worker]! };
    return {
      route,
      node: {
        client: cluster!.channels.get(place.address),
        mark: (md) => markForwarded(md, nodeId),
      },
    };
  };
  const serviceMethods = Object.entries(DuckDBServiceDefinition.methods).map(([key, m]) => ({
    key: key as Method,
    name: m.name,
    path: `/${SERVICE}/${m.name}`,
    requestStream: m.requestStream,
    responseStream: m.responseStream,
  }));
  const duckdbService = forwardingHandlers(serviceMethods, (path, name) => {
    const method = serviceMethods.find((m) => m.name === name)!.key;
    return {
      path,
      graceMs: config.graceMs,
      onAbandoned,
      async route(first, metadata) {
        return destination(routeOf(method, first, metadata, limits), metadata);
      },
    };
  });
  server.addService(duckdbService.definition, duckdbService.handlers);
  const reflection = forwardingHandlers(REFLECTION_METHODS, (path) => ({
    path,
    graceMs: config.graceMs,
    onAbandoned,
    route: (_first, metadata) =>
      destination({ owner: "", limitMs: undefined, limitName: "" }, metadata),
  }));
  server.addService(reflection.definition, reflection.handlers);
  // The front answers grpc.health.v1 itself: it is serving while it can accept calls,
  // whatever state a worker is in (a restarting worker is one owner's business).
  const health = new HealthImplementation({ "": "SERVING", [SERVICE]: "SERVING" });
  health.addToServer(server);

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      formatHostPort(config.host, config.port),
      grpcServerCredentials(config.tls),
      (err, bound) => (err ? reject(err) : resolve(bound)),
    ),
  );
  const address = advertisedAddress(config.host, port, config.advertiseAddress);
  let heartbeat: { close(): Promise<void> } | undefined;
  try {
    heartbeat = await startStorageHeartbeat({
      storage: await workerStorage(workerEnv),
      nodeId,
      address,
      etcd: config.cluster !== undefined,
      logger,
    });
    if (config.cluster) {
      cluster = await startCluster({
        config: config.cluster,
        nodeId,
        address,
        workers,
        workerEnv,
        workersDir: join(config.cacheDir, "workers"),
        logger,
      });
      map = cluster.map;
    } else {
      map = new LocalOwnerMap(config.workers, join(config.cacheDir, "workers", "owners.jsonl"));
    }
  } catch (err) {
    server.forceShutdown();
    await heartbeat?.close();
    throw err;
  }
  logger.info(
    {
      port,
      node: nodeId,
      address,
      etcd: config.cluster?.endpoints,
      workers: config.workers,
      workerMemoryMiB: config.workerMemoryMiB,
      graceMs: config.graceMs,
      cacheDir: config.cacheDir,
    },
    "analytics supervisor listening",
  );

  let closing: Promise<void> | undefined;
  let metricsServer: MetricsServerHandle | undefined;
  const handle: DuckdbSupervisorHandle = {
    port,
    nodeId,
    stats() {
      const owners = map!.owners();
      return {
        ...counters,
        kills: { ...counters.kills },
        ...(cluster ? { ownersHeld: heldBy(cluster, nodeId) } : {}),
        workers: workers.map((w) => ({ ...w.stats(), owners: owners[w.index] ?? 0 })),
      };
    },
    close() {
      closing ??= (async () => {
        health.setStatus("", "NOT_SERVING");
        health.setStatus(SERVICE, "NOT_SERVING");
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => server.forceShutdown(), 10_000);
          server.tryShutdown(() => {
            clearTimeout(timer);
            resolve();
          });
        });
        // Every worker checkpoints before the lease goes: another node that claims one of
        // these owners then opens the last checkpoint.
        await Promise.all(workers.map((w) => w.close()));
        await cluster?.close();
        await heartbeat?.close();
        await metricsServer?.close();
        logger.info("analytics supervisor stopped; every worker checkpointed and exited");
      })();
      return closing;
    },
  };
  if (config.metrics) {
    try {
      metricsServer = await startMetricsServer({
        ...config.metrics,
        sources: [
          processMetrics(),
          supervisorRegistry(() => handle.stats()),
          workersMetrics(() => handle.stats().workers),
        ],
        ready: () => closing === undefined,
        logger,
      });
    } catch (err) {
      await handle.close();
      throw err;
    }
  }
  handle.metricsPort = metricsServer?.port ?? 0;
  return handle;
}

/**
 * The storage the workers will use, read from their environment by duckdb-service's own
 * config reader (address, system token, system bucket), so the two cannot disagree.
 * Imported when needed: the module loads DuckDB's native library (about 50 MB of RSS).
 */
async function workerStorage(env: NodeJS.ProcessEnv) {
  const { duckdbConfigFromEnv } = await import("@isa-cloud/duckdb-service");
  const { storage } = duckdbConfigFromEnv(env);
  return { ...storage, bucket: storage.bucket ?? "duckdb-databases" };
}

function heldBy(cluster: Cluster, nodeId: string): string[] {
  return [...cluster.map.holdings()].filter(([, node]) => node === nodeId).map(([o]) => o);
}
