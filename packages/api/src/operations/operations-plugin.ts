import { createRequire } from "node:module";
import type { FastifyOtelInstrumentation } from "@fastify/otel";
import { REQUEST_ID_HEADER, withRequestId } from "@isa-cloud/rpc/wire";
import {
  ensureContextManager,
  grpcMetrics,
  METRICS_CONTENT_TYPE,
  processMetrics,
  renderMetrics,
} from "@isa-cloud/rpc-server";
import { isSpanContextValid, context as otelContext, trace } from "@opentelemetry/api";
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from "fastify";
import type { IMetricsPluginOptions } from "fastify-metrics";
import { Registry } from "prom-client";
import { DEFAULT_METRICS_ALLOW, parseAllowList } from "./metrics-allow-list.js";
import type { OperationsOptions } from "./operations-options.js";

/** Paths that are the platform's own plumbing: no span, no access-log line. */
const PLUMBING = new Set(["/metrics", "/healthz", "/readyz"]);

let instrumentation: FastifyOtelInstrumentation | undefined;

/**
 * One @fastify/otel instrumentation per process (it hooks module loading when made). It is
 * CommonJS and takes its tracer from the CommonJS build of @opentelemetry/api, the build
 * `startTracing` registers the SDK with.
 */
function fastifyOtel(): FastifyOtelInstrumentation {
  if (!instrumentation) {
    const { FastifyOtelInstrumentation } = createRequire(import.meta.url)(
      "@fastify/otel",
    ) as typeof import("@fastify/otel");
    instrumentation = new FastifyOtelInstrumentation({
      // A span per request and one for its handler; hooks would add a span each.
      instrumentHooks: false,
      ignorePaths: ({ url }) => PLUMBING.has(url.split("?")[0] ?? ""),
      requestHook: (span, request) => {
        span.setAttribute("isa.request_id", (request as FastifyRequest).id);
      },
    });
  }
  return instrumentation;
}

interface Transfer {
  read: number;
  written: number;
}

const transfers = new WeakMap<FastifyRequest, Transfer>();

/**
 * Bytes each way: what the connection carried during the request (headers included), or,
 * where there is no real socket (inject), the Content-Length headers.
 */
function transferred(
  request: FastifyRequest,
  replyLength: unknown,
): { bytesIn?: number; bytesOut?: number } {
  const start = transfers.get(request);
  const socket = request.raw.socket;
  if (start && Number.isFinite(socket?.bytesRead) && Number.isFinite(socket?.bytesWritten)) {
    return {
      bytesIn: socket.bytesRead - start.read,
      bytesOut: socket.bytesWritten - start.written,
    };
  }
  const bytes = (value: unknown) => (Number.isFinite(Number(value)) ? Number(value) : undefined);
  const bytesIn = bytes(request.headers["content-length"]);
  const bytesOut = bytes(replyLength);
  return {
    ...(bytesIn !== undefined ? { bytesIn } : {}),
    ...(bytesOut !== undefined ? { bytesOut } : {}),
  };
}

/**
 * Metrics, tracing, request ids and the access log of the HTTP API, registered first so
 * that every route after it is covered. Registered without encapsulation (the
 * `skip-override` mark fastify-plugin sets), so its hooks apply to the whole app.
 */
export const operationsPlugin: FastifyPluginAsync<OperationsOptions> = async (app, options) => {
  // The request id must follow each request through its awaits, tracing or not.
  ensureContextManager();
  // Every handler runs with its request's id active, so the services' calls it makes send
  // it as `x-request-id` metadata (requestIdClientMiddleware). Wrapped per route rather than
  // set in onRequest: a body arrives through stream events, whose async context is not the
  // hook's. Added before @fastify/otel's own wrapper, so that this one runs inside the
  // request's span context and adds the id to it.
  app.addHook("onRoute", (route) => {
    const handler = route.handler;
    route.handler = function withRequestIdHandler(this: unknown, request, reply) {
      return withRequestId(request.id, () => handler.call(this as never, request, reply));
    };
  });
  if (options.tracing !== false) await app.register(fastifyOtel().plugin());

  app.addHook("onRequest", (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    const socket = request.raw.socket;
    transfers.set(request, { read: socket?.bytesRead ?? 0, written: socket?.bytesWritten ?? 0 });
    done();
  });

  if (options.accessLog) {
    const log = options.accessLog;
    app.addHook("onResponse", (request, reply, done) => {
      const path = request.url.split("?")[0] ?? "";
      if (!PLUMBING.has(path)) {
        const span = trace.getSpanContext(otelContext.active());
        const identity = (request as { identity?: { userId?: string } | null }).identity;
        log.info(
          {
            method: request.method,
            route: request.routeOptions.url ?? null,
            path,
            status: reply.statusCode,
            ms: Math.round(reply.elapsedTime * 100) / 100,
            ...(identity?.userId ? { user: identity.userId } : {}),
            requestId: request.id,
            ...(span && isSpanContextValid(span) ? { traceId: span.traceId } : {}),
            ...transferred(request, reply.getHeader("content-length")),
            ip: request.ip,
          },
          "http request",
        );
      }
      done();
    });
  }

  if (options.metrics !== false) {
    const registry = new Registry();
    // CommonJS with its plugin on `default`.
    const fastifyMetrics = (
      createRequire(import.meta.url)("fastify-metrics") as {
        default: FastifyPluginAsync<Partial<IMetricsPluginOptions>>;
      }
    ).default;
    await app.register(fastifyMetrics, {
      endpoint: null,
      defaultMetrics: { enabled: false },
      routeMetrics: {
        enabled: { histogram: true, summary: false },
        routeBlacklist: [...PLUMBING],
        overrides: {
          histogram: {
            registers: [registry],
            buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
          },
          // Made whatever `enabled` says; kept out of every registry that is served (and out
          // of prom-client's global one, where a second app in the process would clash).
          summary: { registers: [new Registry()] },
        },
      },
    });
    const allowed = options.metrics?.allow ?? parseAllowList(DEFAULT_METRICS_ALLOW);
    app.get(
      "/metrics",
      { schema: { hide: true }, config: { otel: false } },
      async (request, reply) => {
        if (!allowed(request.ip)) {
          return reply.code(403).send({
            statusCode: 403,
            error: "Forbidden",
            code: "permission_denied",
            message: `metrics are not served to ${request.ip}; see API_METRICS_ALLOW`,
          });
        }
        const text = await renderMetrics([processMetrics(), grpcMetrics, registry]);
        return reply.type(METRICS_CONTENT_TYPE).send(text);
      },
    );
  }
};

// Hooks and routes of this plugin belong to the app itself, not to a child context.
Object.assign(operationsPlugin, { [Symbol.for("skip-override")]: true });

/** For tests: the plugin's registry is per app; this finds the app's `/metrics` text. */
export async function scrapeInProcess(app: FastifyInstance): Promise<string> {
  const res = await app.inject({ method: "GET", url: "/metrics", remoteAddress: "127.0.0.1" });
  return res.body;
}
