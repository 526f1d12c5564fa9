import type { Logger } from "pino";
import { createAccessLogger } from "./access-logger.js";
import { grpcMetrics, type MetricsSource, processMetrics } from "./metrics-registry.js";
import { type MetricsServerHandle, startMetricsServer } from "./metrics-server.js";
import type { AccessLogTarget, MetricsEndpointConfig } from "./observability-config.js";
import { startTracing, type TracingHandle } from "./tracing.js";

export interface ServiceObservabilityOptions {
  /** The tracing service name and the access log's `name`, e.g. `"isa-minio-service"`. */
  serviceName: string;
  /** The endpoint and the access log, as read by `metricsEndpointFromEnv` and `accessLogFromEnv`. */
  config: { metrics?: MetricsEndpointConfig; accessLog?: AccessLogTarget };
  /** The service's own series, served after the process and gRPC ones. */
  registry: MetricsSource;
  /** Where the metrics endpoint logs its address and failed scrapes. */
  logger: Logger;
}

/** What every gRPC service adds to itself to be operable, whatever its own series. */
export interface ServiceObservability {
  /** The access logger the gRPC server writes to; undefined when the access log is off. */
  readonly accessLog: Logger | undefined;
  /** Starts the metrics endpoint (when configured); its port, or 0 when off. */
  listen(ready: () => boolean): Promise<number>;
  /** Stops the endpoint, then lets go of tracing. */
  close(): Promise<void>;
}

/**
 * Tracing (when `OTEL_*` configures it), the access log (default off) and the metrics
 * endpoint serving process, gRPC and the service's own series, in that order.
 */
export async function startServiceObservability(
  options: ServiceObservabilityOptions,
): Promise<ServiceObservability> {
  const { config, logger } = options;
  const tracing: TracingHandle | undefined = await startTracing({
    serviceName: options.serviceName,
  });
  let server: MetricsServerHandle | undefined;
  return {
    accessLog: createAccessLogger(options.serviceName, config.accessLog ?? "off"),
    async listen(ready) {
      if (!config.metrics) return 0;
      server = await startMetricsServer({
        ...config.metrics,
        sources: [processMetrics(), grpcMetrics, options.registry],
        ready,
        logger,
      });
      return server.port;
    },
    async close() {
      await server?.close();
      await tracing?.shutdown();
    },
  };
}
