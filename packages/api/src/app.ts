import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { DataService } from "@isa-cloud/data-service";
import type { Identity } from "@isa-cloud/rpc/wire";
import { type AuthConfig, createTokenVerifier } from "@isa-cloud/rpc-server";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { identify, requireIdentity } from "./auth.js";
import { type ErrorBody, errorName, toHttpError } from "./error-mapping.js";
import { analyticsRoutes } from "./routes/analytics.js";
import { fileRoutes } from "./routes/files.js";
import { healthRoutes } from "./routes/health.js";
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
  /** Retry-After (seconds) sent with 503. Default 5. */
  retryAfterSeconds?: number;
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
  }) as unknown as FastifyInstance;

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

  if (options.docs ?? true) {
    await app.register(swagger, {
      openapi: {
        openapi: "3.1.0",
        info: {
          title: "isa-cloud data API",
          description:
            "Store files, import them into your analytics table, analyze, report and query. Every /api/v1/data route needs `Authorization: Bearer <token>`.",
          version: "0.1.0",
        },
        components: {
          securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
        },
        tags: [
          { name: "files", description: "Your files" },
          { name: "analytics", description: "Your events, analyses and reports" },
          { name: "health", description: "Probes" },
        ],
      },
      refResolver: {
        buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`),
      },
      // The streamed upload has no body schema (Fastify would validate the stream against
      // it), so its raw body is described here.
      transformObject: (documents) => {
        if (!("openapiObject" in documents)) return documents.swaggerObject;
        const upload = documents.openapiObject.paths?.["/api/v1/data/files/{*}"]?.put;
        if (upload) {
          upload.requestBody = {
            required: true,
            description: "The file's bytes, any content type (stored with the file)",
            content: { "*/*": { schema: { type: "string", format: "binary" } } },
          };
        }
        return documents.openapiObject;
      },
    });
    await app.register(swaggerUi, { routePrefix: "/docs" });
  }

  await app.register(healthRoutes, { data: options.dataService, retryAfterSeconds: retryAfter });

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
    },
    { prefix: "/api/v1/data" },
  );

  return app;
}
