import {
  type AccessLogTarget,
  type MetricsEndpointConfig,
  startServiceObservability,
} from "@isa-cloud/rpc-server";
import type { Logger } from "pino";
import type { StorageBackend } from "../backend/backend.js";
import { meterBackend } from "./metered-backend.js";
import { StorageMetrics } from "./storage-metrics.js";

/** What the storage service adds to itself to be operable: metrics, access log, tracing. */
export interface StorageObservability {
  readonly metrics: StorageMetrics;
  /** The access logger the gRPC server writes to, if the access log is on. */
  readonly accessLog: Logger | undefined;
  /** `backend`, counted. */
  meter(backend: StorageBackend): StorageBackend;
  /** Starts the metrics endpoint (when configured); its port, or 0 when off. */
  listen(ready: () => boolean): Promise<number>;
  close(): Promise<void>;
}

export async function startStorageObservability(
  config: { metrics?: MetricsEndpointConfig; accessLog?: AccessLogTarget },
  logger: Logger,
): Promise<StorageObservability> {
  const metrics = new StorageMetrics();
  const base = await startServiceObservability({
    serviceName: "isa-minio-service",
    config,
    registry: metrics.registry,
    logger,
  });
  return {
    ...base,
    metrics,
    meter: (backend) => meterBackend(backend, metrics),
  };
}
