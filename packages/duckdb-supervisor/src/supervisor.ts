import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import { DuckDBServiceDefinition } from "@isa-cloud/proto";
import { formatHostPort } from "@isa-cloud/rpc/wire";
import { createLogger } from "@isa-cloud/rpc-server";
import { HealthImplementation } from "grpc-health-check";
import type { DuckdbSupervisorConfig } from "./config.js";
import { forwardingHandlers } from "./forward.js";
import { LocalOwnerMap, type OwnerMap } from "./owner-map.js";
import { type Method, routeOf } from "./route.js";
import { type SupervisorCounters, Worker } from "./worker.js";

export interface DuckdbSupervisorHandle {
  /** The bound port of the front (the chosen one when `port` was 0). */
  port: number;
  /** Graceful stop: the front drains its calls, then every worker checkpoints and exits. */
  close(): Promise<void>;
  /** Kills, crashes and restarts so far, and each worker's state, for metrics. */
  stats(): DuckdbSupervisorStats;
}

export interface DuckdbSupervisorStats extends SupervisorCounters {
  workers: Array<{
    index: number;
    pid: number | undefined;
    port: number | undefined;
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
    ...(config.workerEnv ?? process.env),
    // The workers' query timeouts are the ones the watchdogs assume.
    DUCKDB_QUERY_TIMEOUT_SECONDS: String(Math.ceil(config.queryTimeoutMs / 1000)),
    DUCKDB_MAX_QUERY_TIMEOUT_SECONDS: String(Math.ceil(config.maxQueryTimeoutMs / 1000)),
    ISA_MAX_MESSAGE_BYTES: String(config.maxMessageBytes),
  };
  // DuckDB's own buffer pool gets three quarters of the RSS budget (unless set
  // explicitly): the rest is Node, gRPC and DuckDB memory outside its buffer manager, so
  // an ordinary large query spills or fails inside DuckDB before the budget kills the worker.
  workerEnv.DUCKDB_TOTAL_MEMORY ??= `${Math.max(128, Math.floor(config.workerMemoryMiB * 0.75))}MiB`;
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
  const map: OwnerMap = new LocalOwnerMap(
    config.workers,
    join(config.cacheDir, "workers", "owners.jsonl"),
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
        const route = routeOf(method, first, metadata, limits);
        return { route, worker: workers[await map.workerFor(route.owner)]! };
      },
    };
  });
  server.addService(duckdbService.definition, duckdbService.handlers);
  const reflection = forwardingHandlers(REFLECTION_METHODS, (path) => ({
    path,
    graceMs: config.graceMs,
    onAbandoned,
    async route() {
      return {
        route: { owner: "", limitMs: undefined, limitName: "" },
        worker: workers[await map.workerFor("")]!,
      };
    },
  }));
  server.addService(reflection.definition, reflection.handlers);
  // The front answers grpc.health.v1 itself: it is serving while it can accept calls,
  // whatever state a worker is in (a restarting worker is one owner's business).
  const health = new HealthImplementation({ "": "SERVING", [SERVICE]: "SERVING" });
  health.addToServer(server);

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      formatHostPort(config.host, config.port),
      grpc.ServerCredentials.createInsecure(),
      (err, bound) => (err ? reject(err) : resolve(bound)),
    ),
  );
  logger.info(
    {
      port,
      workers: config.workers,
      workerMemoryMiB: config.workerMemoryMiB,
      graceMs: config.graceMs,
      cacheDir: config.cacheDir,
    },
    "analytics supervisor listening",
  );

  let closing: Promise<void> | undefined;
  return {
    port,
    stats() {
      const owners = map.owners();
      return {
        ...counters,
        kills: { ...counters.kills },
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
        await Promise.all(workers.map((w) => w.close()));
        logger.info("analytics supervisor stopped; every worker checkpointed and exited");
      })();
      return closing;
    },
  };
}
