import { registry as niceGrpcRegistry } from "nice-grpc-prometheus";
import { collectDefaultMetrics, Registry } from "prom-client";

/**
 * What renders Prometheus text: a prom-client `Registry`, of any installed copy (the text
 * is concatenated, never merged, so two copies of prom-client do not have to agree).
 */
export interface MetricsSource {
  metrics(): Promise<string>;
}

/** The content type of the Prometheus text format. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

let processRegistry: Registry | undefined;

/**
 * prom-client's default metrics of this process (`process_cpu_seconds_total`,
 * `process_resident_memory_bytes`, `nodejs_eventloop_lag_seconds`, `nodejs_gc_duration_seconds`,
 * ...), registered once per process however many servers serve them. Made on the first
 * call, not at import (`sideEffects: false`).
 */
export function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * nice-grpc-prometheus's registry: the `grpc_server_*` series of every server in this
 * process and the `grpc_client_*` series of every `createIsaClient` client. One per
 * process, as the library keeps it; `grpc_service` and `grpc_method` tell servers apart.
 */
export const grpcMetrics: MetricsSource = niceGrpcRegistry;

/**
 * The Prometheus text of every source, each once, one after the other. The sources must
 * not share a metric name (each service names its own series `isa_<service>_*`).
 */
export async function renderMetrics(sources: readonly MetricsSource[]): Promise<string> {
  const texts = await Promise.all([...new Set(sources)].map((source) => source.metrics()));
  return texts
    .filter((text) => text.trim() !== "")
    .map((text) => (text.endsWith("\n") ? text : `${text}\n`))
    .join("");
}
