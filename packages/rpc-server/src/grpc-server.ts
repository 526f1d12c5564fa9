import { readFileSync } from "node:fs";
import { descriptorSetPath } from "@isa-cloud/proto";
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  formatHostPort,
  methodsOf,
  serviceNameOf,
} from "@isa-cloud/rpc/wire";
import { createServer, ServerError, Status } from "nice-grpc";
import { openTelemetryServerMiddleware } from "nice-grpc-opentelemetry";
import { prometheusServerMiddleware } from "nice-grpc-prometheus";
import { HealthDefinition, HealthServiceImpl, HealthState } from "nice-grpc-server-health";
import { ServerReflection, ServerReflectionService } from "nice-grpc-server-reflection";
import type { Logger } from "pino";
import { accessLogServerMiddleware } from "./access-log-middleware.js";
import { assertDevSecretStaysLocal, DEV_JWT_SECRET } from "./auth-config.js";
import { authServerMiddleware } from "./auth-server-middleware.js";
import { callRecordMiddleware } from "./call-record.js";
import { createErrorServerMiddleware } from "./error-server-middleware.js";
import type { AuthConfig } from "./identity.js";
import { receiveWindowInterceptor } from "./receive-window.js";
import { grpcServerCredentials, type ServerTlsConfig } from "./server-tls.js";
import { passThrough, servicesOnly } from "./services-only.js";
import { createTerminator } from "./terminator-middleware.js";

export interface GrpcServerOptions {
  /**
   * Interface to listen on. Default "127.0.0.1". A non-loopback host is refused while
   * `auth` uses the built-in `DEV_JWT_SECRET`.
   */
  host?: string;
  /** Port; 0 picks a free one (see `GrpcServerHandle.port`). */
  port: number;
  /**
   * Our services (ts-proto generic definitions and their implementations). Methods an
   * implementation leaves out answer UNIMPLEMENTED.
   */
  // biome-ignore lint/suspicious/noExplicitAny: each service has its own definition type
  services: Array<{ definition: any; implementation: any }>;
  /** How tokens are verified. */
  auth: AuthConfig;
  /**
   * Full method paths callable without a token, in addition to every service's
   * `HealthCheck`, grpc.health.v1 and reflection. Default none.
   */
  publicMethods?: string[];
  logger: Logger;
  /** Largest message received or sent, in bytes; larger ones fail with RESOURCE_EXHAUSTED. Default 8 MiB. */
  maxMessageBytes?: number;
  /**
   * HTTP/2 receive window of each connection and stream, in bytes (grpc-js itself keeps
   * 64 KiB, which paces uploads by WINDOW_UPDATE round trips; see `receive-window.ts`).
   * Default 1 MiB: one 1 MiB chunk in flight per upload; 4 MiB measured no faster in the
   * storage bench and raised the upload peak RSS by 15-25 MiB (grpc-js queues up to 16
   * received messages per call on top of the window).
   * @example receiveWindowBytes: 16 * 1024 * 1024
   */
  receiveWindowBytes?: number;
  /**
   * TLS (and mTLS with `clientCa`) of the port; `serverTlsFromEnv()` reads it from
   * `ISA_TLS_CERT`, `ISA_TLS_KEY`, `ISA_TLS_CLIENT_CA`. Default: plaintext.
   */
  tls?: ServerTlsConfig;
  /**
   * Prometheus metrics of every call, health and reflection included
   * (nice-grpc-prometheus: `grpc_server_handled_total{grpc_service,grpc_method,grpc_code}`,
   * `grpc_server_handling_seconds`, ...), in `grpcMetrics`. Default true.
   */
  metrics?: boolean;
  /**
   * An OpenTelemetry server span per call of our services, continuing the caller's
   * `traceparent`, with the caller and the database or bucket as attributes. Costs next to
   * nothing until an SDK is registered (`startTracing`). Default true.
   */
  tracing?: boolean;
  /**
   * One access-log line per call of our services (`createAccessLogger`). Default none.
   * Either way every call gets a request id (the caller's `x-request-id`, or a new one),
   * returned in the response header `x-request-id`.
   */
  accessLog?: Logger;
}

export interface GrpcServerHandle {
  /** The bound port (the chosen one when `port` was 0). */
  port: number;
  /** Flips grpc.health.v1 between SERVING and NOT_SERVING for "" and every service. */
  setServing(serving: boolean): void;
  /**
   * Graceful shutdown: health turns NOT_SERVING, new calls are refused, in-flight calls
   * finish; whatever is still running after `graceMs` (default 10 000) is cancelled.
   */
  shutdown(opts?: { graceMs?: number }): Promise<void>;
}

/**
 * Starts a nice-grpc server with our services behind the error and auth middleware, plus
 * grpc.health.v1 and server reflection (both without auth), so grpcurl and
 * grpc-health-probe work against it.
 */
export async function startGrpcServer(opts: GrpcServerOptions): Promise<GrpcServerHandle> {
  const { logger } = opts;
  const host = opts.host ?? "127.0.0.1";
  assertDevSecretStaysLocal(host, opts.auth);
  const maxMessageBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const serviceNames: string[] = opts.services.map((s) => serviceNameOf(s.definition));
  const publicMethods = [
    ...(opts.publicMethods ?? []),
    ...opts.services.flatMap((s) => {
      const name = serviceNameOf(s.definition);
      return "healthCheck" in methodsOf(s.definition) ? [`/${name}/HealthCheck`] : [];
    }),
  ];

  const terminator = createTerminator();
  // Attached first, runs first: the terminator wraps everything; tracing, metrics and the
  // access log see each call's final status, since the error middleware inside them has
  // turned anything unexpected into INTERNAL; the error middleware sees whatever auth or a
  // service throws; the call record, inside auth, notes the verified caller.
  const server = createServer({
    "grpc.max_receive_message_length": maxMessageBytes,
    "grpc.max_send_message_length": maxMessageBytes,
    interceptors: [receiveWindowInterceptor(opts.receiveWindowBytes ?? 1024 * 1024)],
  })
    .use(terminator.middleware)
    .use(opts.tracing === false ? passThrough : servicesOnly(openTelemetryServerMiddleware()))
    .use(opts.metrics === false ? passThrough : prometheusServerMiddleware())
    .use(accessLogServerMiddleware(opts.accessLog))
    .use(createErrorServerMiddleware(logger));

  const auth = authServerMiddleware(opts.auth, { publicMethods });
  for (const { definition, implementation } of opts.services) {
    server
      .with(auth)
      .with(callRecordMiddleware)
      .add(definition, withUnimplemented(definition, implementation) as never);
  }

  const health = HealthState();
  const setServing = (serving: boolean) => {
    const status = serving ? "healthy" : "unhealthy";
    health.setStatus(status);
    for (const name of serviceNames) health.setStatus(status, name);
  };
  setServing(true);
  server.add(HealthDefinition, HealthServiceImpl(health));
  server.add(
    ServerReflectionService,
    ServerReflection(readFileSync(descriptorSetPath), serviceNames),
  );

  const port = await server.listen(
    formatHostPort(host, opts.port),
    grpcServerCredentials(opts.tls),
  );
  logger.info(
    {
      host,
      port,
      services: serviceNames,
      maxMessageBytes,
      tls: opts.tls ? (opts.tls.clientCa ? "mtls" : "tls") : "off",
    },
    "gRPC server listening",
  );
  if (opts.auth.trustUserId) {
    logger.warn("ISA_TRUST_USER_ID is on: calls without a token act as any user_id they name");
  }
  if (opts.auth.hs256Secret === DEV_JWT_SECRET) {
    logger.warn(
      "tokens are checked with the embedded dev secret; set ISA_JWT_SECRET in production",
    );
  }

  let stopping: Promise<void> | undefined;
  return {
    port,
    setServing,
    shutdown({ graceMs = 10_000 } = {}) {
      stopping ??= (async () => {
        setServing(false);
        terminator.terminate();
        const graceful = server.shutdown();
        let timer: NodeJS.Timeout | undefined;
        const forced = new Promise<"forced">((resolve) => {
          timer = setTimeout(() => resolve("forced"), graceMs);
        });
        const outcome = await Promise.race([graceful.then(() => "graceful" as const), forced]);
        clearTimeout(timer);
        if (outcome === "forced") {
          logger.warn({ graceMs }, "calls still running after the grace period were cancelled");
          graceful.catch(() => {});
          server.forceShutdown();
        }
        logger.info({ port }, "gRPC server stopped");
      })();
      return stopping;
    },
  };
}

/** The implementation with every method it lacks answering UNIMPLEMENTED. */
function withUnimplemented(definition: object, implementation: object): object {
  const impl = implementation as Record<string, unknown>;
  const full: Record<string, unknown> = {};
  const name = serviceNameOf(definition);
  for (const [method, shape] of Object.entries(methodsOf(definition))) {
    const fn = impl[method];
    if (typeof fn === "function") {
      // Bound one by one: a class instance keeps its methods on the prototype.
      full[method] = fn.bind(implementation);
      continue;
    }
    const error = () =>
      new ServerError(Status.UNIMPLEMENTED, `${name}.${method} is not implemented by this server`);
    full[method] = shape.responseStream
      ? // biome-ignore lint/correctness/useYield: fails before the first message, by design
        async function* () {
          throw error();
        }
      : async () => {
          throw error();
        };
  }
  return full;
}
