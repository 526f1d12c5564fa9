import { readFileSync } from "node:fs";
import { descriptorSetPath } from "@isa-cloud/proto";
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  formatHostPort,
  methodsOf,
  serviceNameOf,
} from "@isa-cloud/rpc/wire";
import { createServer, ServerError, Status } from "nice-grpc";
import { HealthDefinition, HealthServiceImpl, HealthState } from "nice-grpc-server-health";
import { ServerReflection, ServerReflectionService } from "nice-grpc-server-reflection";
import type { Logger } from "pino";
import { assertDevSecretStaysLocal, DEV_JWT_SECRET } from "./auth-config.js";
import { authServerMiddleware } from "./auth-server-middleware.js";
import { createErrorServerMiddleware } from "./error-server-middleware.js";
import type { AuthConfig } from "./identity.js";
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
  // Attached first, runs first: the terminator wraps everything, the error middleware sees
  // whatever auth or a service throws.
  const server = createServer({
    "grpc.max_receive_message_length": maxMessageBytes,
    "grpc.max_send_message_length": maxMessageBytes,
  })
    .use(terminator.middleware)
    .use(createErrorServerMiddleware(logger));

  const auth = authServerMiddleware(opts.auth, { publicMethods });
  for (const { definition, implementation } of opts.services) {
    server.with(auth).add(definition, withUnimplemented(definition, implementation) as never);
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

  const port = await server.listen(formatHostPort(host, opts.port));
  logger.info({ host, port, services: serviceNames, maxMessageBytes }, "gRPC server listening");
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
