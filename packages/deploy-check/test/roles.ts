import { apiConfigFromEnv } from "@isa-cloud/api";
import { duckdbConfigFromEnv } from "@isa-cloud/duckdb-service";
import { supervisorConfigFromEnv } from "@isa-cloud/duckdb-supervisor";
import { minioConfigFromEnv } from "@isa-cloud/minio-service";
import { pgGatewayConfigFromEnv } from "@isa-cloud/pg-gateway";

type Env = Record<string, string | undefined>;

/** What a container runs: one role (`isa start --only <role>`) or all (`isa start`). */
export type Role = "storage" | "analytics" | "api" | "postgres";
export const ALL_ROLES: readonly Role[] = ["storage", "analytics", "postgres", "api"];

/** What a listening port speaks. */
export type PortKind = "grpc" | "presign" | "metrics" | "http-api" | "postgres";

/** The paths a port's HTTP server answers (checked against running servers in endpoints.test). */
export const HTTP_PATHS: Partial<Record<PortKind, readonly string[]>> = {
  metrics: ["/metrics", "/healthz", "/readyz"],
  "http-api": ["/healthz", "/readyz", "/metrics"],
};

/** The roles an `isa` command line runs: `start --only <role>`, or every one for `start`. */
export function rolesOf(args: readonly string[]): Role[] {
  if (args[0] !== "start") throw new Error(`not an isa start command: ${args.join(" ")}`);
  const only = args.indexOf("--only");
  return only >= 0 ? [args[only + 1] as Role] : [...ALL_ROLES];
}

/**
 * The ports a container listens on, by kind, read by the services' own config readers from
 * the container's environment, as `isa start` hands it to them (`--host` sets the hosts).
 */
export function listeningPorts(roles: readonly Role[], env: Env): Map<number, PortKind> {
  const ports = new Map<number, PortKind>();
  // Secrets set from outside (a secret store, ${VAR} interpolation) only need to exist.
  const full: Env = { ISA_JWT_SECRET: "placeholder-secret-placeholder-secret", ...env };
  for (const role of roles) {
    if (role === "storage") {
      const c = minioConfigFromEnv(full);
      ports.set(c.port, "grpc");
      if (c.backend.kind === "fs") ports.set(c.httpPort, "presign");
      if (c.metrics) ports.set(c.metrics.port, "metrics");
    } else if (role === "analytics") {
      // `isa start` runs analytics behind the supervisor unless DUCKDB_ISOLATION=in-process.
      const c =
        full.DUCKDB_ISOLATION === "in-process"
          ? duckdbConfigFromEnv(full)
          : supervisorConfigFromEnv(full);
      ports.set(c.port, "grpc");
      if (c.metrics) ports.set(c.metrics.port, "metrics");
    } else if (role === "api") {
      ports.set(apiConfigFromEnv(full).port, "http-api");
    } else if (role === "postgres") {
      const c = pgGatewayConfigFromEnv(full);
      if (c.enabled) ports.set(c.port, "postgres");
    }
  }
  return ports;
}
