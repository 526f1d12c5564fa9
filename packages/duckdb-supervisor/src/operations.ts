import {
  type MetricsEndpointConfig,
  metricsEndpointFromEnv,
  type ServerTlsConfig,
  serverTlsFromEnv,
} from "@isa-cloud/rpc-server";

/** The supervisor front's operations settings. */
export interface SupervisorOperations {
  /**
   * `/metrics` (the supervisor's own series and every worker's, labelled `worker`),
   * `/healthz`, `/readyz`. `DUCKDB_METRICS_PORT` (default 9092; any free port when
   * `DUCKDB_GRPC_PORT` is 0; `off`) and `DUCKDB_METRICS_HOST` (default the front's host),
   * the variables the analytics service itself reads. Undefined: none.
   */
  metrics?: MetricsEndpointConfig;
  /**
   * TLS of the front (`ISA_TLS_CERT`, `ISA_TLS_KEY`, `ISA_TLS_CLIENT_CA`). Workers stay
   * plaintext on loopback behind it.
   */
  tls?: ServerTlsConfig;
}

export function supervisorOperationsFromEnv(
  env: Record<string, string | undefined>,
  front: { host: string; port: number },
): SupervisorOperations {
  const metrics = metricsEndpointFromEnv(env, {
    prefix: "DUCKDB",
    defaultPort: 9092,
    grpcHost: front.host,
    grpcPort: front.port,
  });
  const tls = serverTlsFromEnv(env);
  return { ...(metrics ? { metrics } : {}), ...(tls ? { tls } : {}) };
}

/**
 * The workers' environment, from the supervisor's: each serves its own metrics on a free
 * loopback port (which the front scrapes and relabels), and speaks plaintext on loopback
 * (the front holds the certificate). `ISA_TLS_CA` stays: workers may dial storage over TLS.
 */
export function workerOperationsEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const worker: NodeJS.ProcessEnv = {
    ...env,
    DUCKDB_METRICS_PORT: "0",
    DUCKDB_METRICS_HOST: "127.0.0.1",
  };
  delete worker.ISA_TLS_CERT;
  delete worker.ISA_TLS_KEY;
  delete worker.ISA_TLS_CLIENT_CA;
  return worker;
}
