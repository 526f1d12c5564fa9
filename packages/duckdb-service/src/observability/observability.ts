import type { MinioClient } from "@isa-cloud/minio-client";
import { startServiceObservability } from "@isa-cloud/rpc-server";
import type { Logger } from "pino";
import type { DatabaseManager } from "../databases/database-manager.js";
import { AnalyticsMetrics } from "./analytics-metrics.js";
import type { AnalyticsOperationsConfig } from "./operations-config.js";
import { timedQueries } from "./timed-queries.js";

/** What the analytics service adds to itself to be operable. */
export interface AnalyticsObservability {
  readonly metrics: AnalyticsMetrics;
  readonly accessLog: Logger | undefined;
  /** The service implementation with its SQL calls timed. */
  timed<T extends object>(implementation: T): T;
  /** Times a scheduled checkpoint round. */
  round<T>(run: () => Promise<T>): Promise<T>;
  /** Starts the metrics endpoint (when configured); its port, or 0 when off. */
  listen(ready: () => boolean): Promise<number>;
  close(): Promise<void>;
}

/**
 * Metrics, access log and tracing of one analytics service: its counting (`Metrics` of
 * the database manager) mirrored into Prometheus counters, gauges read from the manager
 * at each scrape, uploads of database files timed through the system store.
 */
export async function startAnalyticsObservability(
  config: AnalyticsOperationsConfig,
  parts: { manager: DatabaseManager; systemStore: MinioClient; maxOpenDatabases: number },
  logger: Logger,
): Promise<AnalyticsObservability> {
  const { manager } = parts;
  const metrics = new AnalyticsMetrics({
    openDatabases: () => manager.openDatabases.length,
    maxOpenDatabases: () => parts.maxOpenDatabases,
    activeConnections: () => manager.activeConnections,
  });
  manager.metrics.observe((figure) => metrics.record(figure));
  timeUploads(parts.systemStore, metrics);
  const base = await startServiceObservability({
    serviceName: "isa-duckdb-service",
    config,
    registry: metrics.registry,
    logger,
  });
  return {
    ...base,
    metrics,
    timed: (implementation) => timedQueries(implementation, metrics),
    async round(run) {
      const stop = metrics.checkpointRounds.startTimer();
      try {
        return await run();
      } finally {
        stop();
      }
    },
  };
}

/**
 * Times every `putFile` of the system store (checkpoint generations and backups: the only
 * files the service uploads with it) in `isa_analytics_upload_seconds`, on the instance
 * itself, so the database manager and its persistence need not know about metrics.
 */
function timeUploads(store: MinioClient, metrics: AnalyticsMetrics): void {
  const putFile = store.putFile.bind(store);
  store.putFile = async (...args: Parameters<MinioClient["putFile"]>) => {
    const stop = metrics.uploads.startTimer();
    try {
      const result = await putFile(...args);
      stop({ outcome: "ok" });
      metrics.uploadedBytes.inc(Number(result.size));
      return result;
    } catch (err) {
      stop({ outcome: "failed" });
      throw err;
    }
  };
}
