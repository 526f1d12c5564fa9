import cors from "@fastify/cors";
import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import { consoleRoutes } from "@isa-cloud/console";
import type { DataService } from "@isa-cloud/data-service";
import type { Identity } from "@isa-cloud/rpc/wire";
import { type AuthConfig, createTokenVerifier } from "@isa-cloud/rpc-server";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { identify, requireIdentity } from "./auth.js";
import { corsOptions } from "./cors.js";
import { type ErrorBody, errorName, toHttpError } from "./error-mapping.js";
import { docsPageOptions, openapiOptions } from "./openapi.js";
import { operationsFastifyOptions } from "./operations/fastify-options.js";
import type { OperationsOptions } from "./operations/operations-options.js";
import { operationsPlugin } from "./operations/operations-plugin.js";
import { analyticsRoutes } from "./routes/analytics.js";
import { devTokenRoutes } from "./routes/dev-token.js";
import { fileRoutes } from "./routes/files.js";
import { healthRoutes } from "./routes/health.js";
import { queryRoutes } from "./routes/query.js";
import { errorSchema } from "./schemas.js";

export interface BuildAppOptions {
  /** The business layer the routes call. @example { dataService: getDataService() } */
  dataService: DataService;
  /**
   * How bearer tokens are verified: an AuthConfig (as the services use) or a ready
   * verifier. `trustUserId` is ignored: the API always wants a token.
   * @example { auth: authConfigFromEnv() }
   */
  auth: AuthConfig | ((token: string) => Promise<Identity>);
  /** A pino logger, or false for none. Default false (tests); the server passes one. */
  logger?: FastifyBaseLogger | false;
  /** Largest JSON body in bytes. Default 16 MiB. @example { bodyLimit: 1_048_576 } */
  bodyLimit?: number;
  /** Largest streamed upload in bytes. Default 5 GiB. @example { maxUploadBytes: 1024 ** 3 } */
  maxUploadBytes?: number;
  /**
   * Requests per window per user (per IP for callers without a valid token), or
   * false for no limit. Default 600 per minute.
   * @example { rateLimit: { max: 100, timeWindowMs: 60_000 } }
   */
  rateLimit?: { max: number; timeWindowMs: number } | false;
  /** Serve the OpenAPI document (/docs/json) and interactive docs (/docs). Default true. */
  docs?: boolean;
  /**
   * Offer one-click dev sign-in (loopback only) with a configured HS256 secret too: the
   * embedded default's own dev secret. Without it, only the built-in DEV_JWT_SECRET does.
   * Default false.
   */
  devSignIn?: boolean;
  /** Retry-After (seconds) sent with 503. Default 5. */
  retryAfterSeconds?: number;
  /**
   * Metrics (`/metrics`), tracing, request ids, the access log and TLS; see
   * `OperationsOptions`. Default: metrics for loopback and private addresses, tracing
   * (inert without an SDK), no access log, plain HTTP. `startApi` reads them from the
   * environment (`operationsFromEnv`).
   */
  operations?: OperationsOptions;
  /**
   * Origins whose browser pages may call the API (CORS), exact matches. Default: none
   * (no CORS headers at all). @example { cors: ["https://console.example.com"] }
   */
  cors?: string[];
}

/**
 * Builds the HTTP API (not listening): routes under /api/v1/data, /healthz,
 * /readyz and /docs. Test it with `app.inject()`; serve it with `startApi`.
 */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const retryAfter = options.retryAfterSeconds ?? 5;
  const verify =
    typeof options.auth === "function"
      ? options.auth
      : createTokenVerifier({ ...options.auth, trustUserId: false });

  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: options.bodyLimit ?? 16 * 1024 * 1024,
    // Ids in logs tie a client's report to the server's lines.
    requestIdHeader: "x-request-id",
    // Refuse what the schemas do not allow instead of quietly fixing it up: Fastify's
    // defaults drop unknown fields and turn 7 into "7".
    ajv: { customOptions: { allowUnionTypes: true, removeAdditional: false, coerceTypes: false } },
    // Last: request ids checked before use (it replaces requestIdHeader), one access-log
    // line instead of Fastify's two, HTTPS when configured.
    ...operationsFastifyOptions(options.operations),
  }) as unknown as FastifyInstance;
  // First: metrics, spans and request ids cover every route registered after it.
  await app.register(operationsPlugin, options.operations ?? {});

  app.addSchema(errorSchema);

  app.setErrorHandler((err, request, reply) => {
    const mapped = toHttpError(err, retryAfter);
    // A client that hung up mid-transfer cancels the service call: expected, not a bug.
    const clientGone = request.raw.socket?.destroyed === true;
    if (clientGone) {
      request.log.info({ err: (err as Error).message }, "client went away");
    } else if (mapped.statusCode >= 500 && mapped.statusCode !== 503 && mapped.statusCode !== 504) {
      request.log.error({ err }, "request failed");
    } else {
      request.log.info(
        { err: { name: (err as Error).name, message: (err as Error).message } },
        "request refused",
      );
    }
    if (mapped.retryAfter !== undefined) reply.header("retry-after", mapped.retryAfter);
    const body: ErrorBody = {
      statusCode: mapped.statusCode,
      error: errorName(mapped.statusCode),
      code: mapped.code,
      message: mapped.message,
    };
    return reply.code(mapped.statusCode).send(body);
  });

  app.setNotFoundHandler((request, reply) => {
    const body: ErrorBody = {
      statusCode: 404,
      error: errorName(404),
      code: "not_found",
      message: `no route ${request.method} ${request.url.split("?")[0]}; see /docs`,
    };
    return reply.code(404).send(body);
  });

  if (options.cors?.length) await app.register(cors, corsOptions(options.cors));

  if (options.docs ?? true) {
    await app.register(swagger, openapiOptions());
    await app.register(swaggerUi, docsPageOptions());
  }

  await app.register(healthRoutes, { data: options.dataService, retryAfterSeconds: retryAfter });
  await app.register(devTokenRoutes, { auth: options.auth, devSecret: options.devSignIn ?? false });
  await app.register(consoleRoutes, { prefix: "/console" });

  await app.register(
    async (api) => {
      // JSON only: Fastify's built-in text/plain parser would turn a wrong content type into
      // a confusing schema error instead of 415.
      api.removeContentTypeParser("text/plain");
      api.decorateRequest("identity", null);
      api.decorateRequest("authError", null);
      // Order: identify (scope onRequest) -> rate limit (route onRequest, added by the
      // plugin) -> requireIdentity (preParsing, before any body is read).
      api.addHook("onRequest", identify(verify));
      if (options.rateLimit !== false) {
        const limit = options.rateLimit ?? { max: 600, timeWindowMs: 60_000 };
        await api.register(rateLimit, {
          max: limit.max,
          timeWindow: limit.timeWindowMs,
          keyGenerator: (request) =>
            request.identity ? `user:${request.identity.userId}` : `ip:${request.ip}`,
        });
      }
      api.addHook("preParsing", requireIdentity);
      api.addHook("onRoute", (route) => {
        route.schema = { ...route.schema, security: [{ bearer: [] }] };
      });
      await api.register(fileRoutes, {
        data: options.dataService,
        maxUploadBytes: options.maxUploadBytes ?? 5 * 1024 ** 3,
      });
      await api.register(analyticsRoutes, { data: options.dataService });
      await api.register(queryRoutes, { data: options.dataService });
    },
    { prefix: "/api/v1/data" },
  );

  return app;
}
