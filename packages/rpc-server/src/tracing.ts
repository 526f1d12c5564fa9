import { createRequire } from "node:module";
import { context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import type { NodeSDKConfiguration } from "@opentelemetry/sdk-node";

type SpanProcessor = NonNullable<NodeSDKConfiguration["spanProcessors"]>[number];

type Env = Record<string, string | undefined>;

/** One holder's share of the process's OpenTelemetry SDK. */
export interface TracingHandle {
  /**
   * Lets go of the SDK; the last holder to do so stops it, exporting the spans it still
   * holds. Calling it twice is harmless.
   */
  shutdown(): Promise<void>;
}

export interface StartTracingOptions {
  /** `service.name` of the spans, unless `OTEL_SERVICE_NAME` is set. */
  serviceName: string;
  /** Where the standard `OTEL_*` variables are read. Default `process.env`. */
  env?: Env;
  /**
   * Span processors instead of the ones `OTEL_TRACES_EXPORTER` describes (tests pass a
   * SimpleSpanProcessor over an InMemorySpanExporter). Default: from the environment.
   */
  spanProcessors?: SpanProcessor[];
}

/**
 * Whether the environment asks for traces: `OTEL_TRACES_EXPORTER` (other than `none`),
 * `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set, and
 * `OTEL_SDK_DISABLED` is not `true`. Tracing is off unless configured.
 */
export function tracingConfigured(env: Env = process.env): boolean {
  const set = (name: string) => (env[name]?.trim() ?? "") !== "";
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return false;
  const exporter = env.OTEL_TRACES_EXPORTER?.trim().toLowerCase();
  if (exporter === "none") return false;
  return (
    set("OTEL_TRACES_EXPORTER") ||
    set("OTEL_EXPORTER_OTLP_ENDPOINT") ||
    set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
  );
}

let sdk: Promise<{ shutdown(): Promise<void> }> | undefined;
let holders = 0;

/**
 * Starts `@opentelemetry/sdk-node` for traces, configured by the standard `OTEL_*`
 * variables (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_PROTOCOL`,
 * `OTEL_TRACES_SAMPLER`, `OTEL_RESOURCE_ATTRIBUTES`, ...), once per process: the first
 * caller names the service, later callers share that SDK. Each caller gets a handle of its
 * own, and the SDK stops (exporting what it still holds) when the last handle is shut
 * down, so services started together in one process (`isa start`) can each stop theirs.
 * Undefined (and nothing loaded) when tracing is not configured (`tracingConfigured`) and
 * no `spanProcessors` are given. Metrics and logs stay with Prometheus and pino: the SDK
 * exports spans only. No instrumentation patches modules: gRPC spans come from
 * nice-grpc-opentelemetry middleware, HTTP ones from the API's Fastify plugin.
 */
export async function startTracing(
  options: StartTracingOptions,
): Promise<TracingHandle | undefined> {
  const env = options.env ?? process.env;
  if (!sdk && !options.spanProcessors && !tracingConfigured(env)) return undefined;
  sdk ??= (async () => {
    // Loaded through require(), so that the SDK registers its tracer provider with the
    // CommonJS build of @opentelemetry/api: nice-grpc-opentelemetry and @fastify/otel are
    // CommonJS and take their tracer from that build's proxy when they load. Through
    // import() the SDK would feed the ES build's proxy instead, and their spans would
    // silently go nowhere (the API's two builds keep one proxy each).
    const { NodeSDK } = createRequire(import.meta.url)(
      "@opentelemetry/sdk-node",
    ) as typeof import("@opentelemetry/sdk-node");
    const started = new NodeSDK({
      serviceName: env.OTEL_SERVICE_NAME?.trim() || options.serviceName,
      instrumentations: [],
      metricReaders: [],
      logRecordProcessors: [],
      ...(options.spanProcessors ? { spanProcessors: options.spanProcessors } : {}),
    });
    started.start();
    return started;
  })();
  const running = sdk;
  await running;
  holders++;
  let released: Promise<void> | undefined;
  return {
    shutdown() {
      released ??= (async () => {
        if (--holders > 0) return;
        if (sdk === running) sdk = undefined;
        await (await running).shutdown();
      })();
      return released;
    },
  };
}

let contextManager: AsyncLocalStorageContextManager | undefined;

/**
 * Registers an AsyncLocalStorage context manager unless one is registered already (by
 * the SDK, or an earlier call), so that the active request id follows a request through
 * its awaits even with tracing off. The HTTP API needs it to pass `x-request-id` on to the
 * services; a gRPC service without tracing does without (it logs the id it receives).
 */
export function ensureContextManager(): void {
  if (contextManager) return;
  const manager = new AsyncLocalStorageContextManager().enable();
  if (context.setGlobalContextManager(manager)) contextManager = manager;
  else manager.disable();
}
