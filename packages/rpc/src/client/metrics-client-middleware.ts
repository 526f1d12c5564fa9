import { isAbortError } from "abort-controller-x";
import type { CallOptions, ClientMiddleware, ClientMiddlewareCall } from "nice-grpc";
import { ClientError, Status } from "nice-grpc";
import { prometheusClientMiddleware, registry } from "nice-grpc-prometheus";

type Labels = Record<string, string>;
interface CounterChild {
  inc(): void;
}
interface HistogramChild {
  observe(value: number): void;
}
interface LabelledMetric<Child> {
  labels(labels: Labels): Child;
}

/**
 * The unary-call metrics of one method: its label set and prom-client children, made on
 * its first call (and per status code on the first call that ends with it) instead of
 * hashed on every call.
 */
export interface MethodMetrics {
  /** Counts a started call; returns its start time for `finish`. */
  start(): bigint;
  finish(status: Status, start: bigint): void;
}

/** The metrics of each unary method, by path. */
export type UnaryMetrics = (path: string) => MethodMetrics;

/**
 * nice-grpc-prometheus's client metrics, in that library's registry and with its labels,
 * recorded per unary call: what `metricsClientMiddleware` does for unary calls and the
 * client's direct unary path (`unary-call.ts`) does too. Undefined when the registry does
 * not hold the library's metrics.
 */
export function createUnaryMetrics(): UnaryMetrics | undefined {
  const startedMetric = registry.getSingleMetric("grpc_client_started_total") as unknown as
    | LabelledMetric<CounterChild>
    | undefined;
  const handledMetric = registry.getSingleMetric("grpc_client_handled_total") as unknown as
    | LabelledMetric<CounterChild>
    | undefined;
  const secondsMetric = registry.getSingleMetric("grpc_client_handling_seconds") as unknown as
    | LabelledMetric<HistogramChild>
    | undefined;
  if (!startedMetric || !handledMetric || !secondsMetric) return undefined;
  const byPath = new Map<string, MethodMetrics>();
  const create = (path: string): MethodMetrics => {
    const [service = "", name = ""] = path.split("/").slice(1);
    const labels: Labels = {
      grpc_type: "unary",
      grpc_service: service,
      grpc_method: name,
      grpc_path: path,
    };
    const started = startedMetric.labels(labels);
    const handled = new Map<Status, CounterChild>();
    const seconds = new Map<Status, HistogramChild>();
    return {
      start() {
        started.inc();
        return process.hrtime.bigint();
      },
      finish(status, start) {
        const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
        let h = seconds.get(status);
        let c = handled.get(status);
        if (!h || !c) {
          const withCode = { ...labels, grpc_code: Status[status] };
          h = secondsMetric.labels(withCode);
          c = handledMetric.labels(withCode);
          seconds.set(status, h);
          handled.set(status, c);
        }
        h.observe(elapsed);
        c.inc();
      },
    };
  };
  return (path) => {
    let m = byPath.get(path);
    if (!m) {
      m = create(path);
      byPath.set(path, m);
    }
    return m;
  };
}

/**
 * nice-grpc-prometheus's client middleware with the same metrics, in the same registry,
 * with the same labels, for unary calls made cheaper (`createUnaryMetrics`). Streams go
 * through the library's middleware as they are.
 */
export function metricsClientMiddleware(): ClientMiddleware {
  const library = prometheusClientMiddleware();
  const metricsOf = createUnaryMetrics();
  if (!metricsOf) return library;
  async function* unary<Request, Response>(
    call: ClientMiddlewareCall<Request, Response>,
    options: CallOptions,
  ) {
    const m = metricsOf!(call.method.path);
    const start = m.start();
    let status: Status = Status.CANCELLED;
    try {
      const response = yield* call.next(call.request, options);
      status = Status.OK;
      return response;
    } catch (err) {
      status = statusOf(err);
      throw err;
    } finally {
      m.finish(status, start);
    }
  }
  return function metricsClientMiddleware<Request, Response>(
    call: ClientMiddlewareCall<Request, Response>,
    options: CallOptions,
  ) {
    return call.requestStream || call.responseStream
      ? library(call, options)
      : unary(call, options);
  };
}

/** The status a failed call is recorded with: its code, CANCELLED for an abort, else UNKNOWN. */
export function statusOf(err: unknown): Status {
  if (err instanceof ClientError) return err.code;
  return isAbortError(err) ? Status.CANCELLED : Status.UNKNOWN;
}
