import { dateToTimestamp } from "@isa-cloud/proto";
import type { Impl, ServiceDeps } from "./deps.js";

/** Needs no token (rpc lists every service's HealthCheck as public). */
export function healthHandler({
  backend,
  startedAt,
  version,
}: ServiceDeps): Pick<Impl, "healthCheck"> {
  return {
    async healthCheck(req) {
      const health = await backend.health();
      return {
        success: true,
        healthy: health.healthy,
        status: health.healthy ? "SERVING" : "NOT_SERVING",
        timestamp: dateToTimestamp(new Date()),
        details: req.detailed
          ? {
              service: "isa-minio-service",
              version,
              uptimeSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
              ...health.details,
            }
          : undefined,
        error: health.error ?? "",
      };
    },
  };
}
