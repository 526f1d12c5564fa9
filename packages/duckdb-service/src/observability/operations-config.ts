import {
  type AccessLogTarget,
  accessLogFromEnv,
  type MetricsEndpointConfig,
  metricsEndpointFromEnv,
  type ServerTlsConfig,
  serverTlsFromEnv,
} from "@isa-cloud/rpc-server";

/** The operations settings of the analytics service. */
export interface AnalyticsOperationsConfig {
  /**
   * The HTTP endpoint of `/metrics`, `/healthz`, `/readyz`. From env: DUCKDB_METRICS_PORT
   * (default 9092; any free port when DUCKDB_GRPC_PORT is 0; `off`), DUCKDB_METRICS_HOST
   * (default the gRPC host). Undefined: no endpoint.
   */
  metrics?: MetricsEndpointConfig;
  /** TLS of the gRPC port (and mTLS). From env: ISA_TLS_CERT, ISA_TLS_KEY, ISA_TLS_CLIENT_CA. */
  tls?: ServerTlsConfig;
  /** Access-log lines. From env: ISA_ACCESS_LOG. Default "off". */
  accessLog?: AccessLogTarget;
}

/** `AnalyticsOperationsConfig` from the environment; a bad value throws naming it. */
export function analyticsOperationsFromEnv(
  env: Record<string, string | undefined>,
  grpc: { host: string; port: number },
): AnalyticsOperationsConfig {
  const metrics = metricsEndpointFromEnv(env, {
    prefix: "DUCKDB",
    defaultPort: 9092,
    grpcHost: grpc.host,
    grpcPort: grpc.port,
  });
  const tls = serverTlsFromEnv(env);
  return {
    ...(metrics ? { metrics } : {}),
    ...(tls ? { tls } : {}),
    accessLog: accessLogFromEnv(env),
  };
}
