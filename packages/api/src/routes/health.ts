import type { DataService } from "@isa-cloud/data-service";
import type { FastifyInstance } from "fastify";

export interface HealthRoutesOptions {
  data: DataService;
  retryAfterSeconds: number;
}

const serviceHealth = {
  type: "object",
  required: ["status"],
  properties: {
    status: { type: "string", enum: ["SERVING", "NOT_SERVING", "UNREACHABLE"] },
  },
} as const;

const readiness = {
  title: "Readiness",
  type: "object",
  required: ["status", "services"],
  properties: {
    status: { type: "string", enum: ["ready", "not_ready"] },
    services: {
      type: "object",
      required: ["storage", "analytics"],
      properties: { storage: serviceHealth, analytics: serviceHealth },
    },
  },
} as const;

export async function healthRoutes(
  app: FastifyInstance,
  options: HealthRoutesOptions,
): Promise<void> {
  app.get(
    "/healthz",
    {
      schema: {
        operationId: "liveness",
        tags: ["health"],
        summary: "Liveness: the API process answers",
        response: {
          200: {
            type: "object",
            required: ["status"],
            properties: { status: { type: "string", const: "ok" } },
          },
        },
      },
    },
    async () => ({ status: "ok" }),
  );

  app.get(
    "/readyz",
    {
      schema: {
        operationId: "readiness",
        tags: ["health"],
        summary: "Readiness: both the storage and the analytics service serve",
        response: { 200: readiness, 503: readiness },
      },
    },
    async (request, reply) => {
      const services = await options.data.storage.health();
      const ready =
        services.storage.status === "SERVING" && services.analytics.status === "SERVING";
      if (!ready) {
        request.log.warn({ services }, "not ready: a service does not serve");
        reply.code(503).header("retry-after", options.retryAfterSeconds);
      }
      return { status: ready ? "ready" : "not_ready", services };
    },
  );
}
