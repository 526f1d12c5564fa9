import { readBoolean, readString } from "@isa-cloud/rpc/wire";
import {
  accessLogFromEnv,
  createAccessLogger,
  type ServerTlsConfig,
  serverTlsFromEnv,
} from "@isa-cloud/rpc-server";
import { DEFAULT_METRICS_ALLOW, parseAllowList } from "./metrics-allow-list.js";

type Env = Record<string, string | undefined>;
type Logger = NonNullable<ReturnType<typeof createAccessLogger>>;

/** What makes the API operable in production: metrics, tracing, access log, TLS. */
export interface OperationsOptions {
  /**
   * `/metrics` (Prometheus text: HTTP request histograms by route, the API's gRPC client
   * series, process metrics), outside user auth, answered only to addresses `allow`
   * accepts (others get 403). `false`: no route. Default `{ allow: loopback and private
   * ranges }`. @example { metrics: { allow: (ip) => ip === "10.0.0.9" } }
   */
  metrics?: false | { allow?: (ip: string) => boolean };
  /**
   * An OpenTelemetry span per request (@fastify/otel), continuing a `traceparent` header;
   * the services' calls become its children. Costs next to nothing until an SDK is
   * registered (`startTracing`). Default true.
   */
  tracing?: boolean;
  /**
   * One access-log line per request: method, route, status, ms, user, bytes, request id,
   * trace id. Default none.
   */
  accessLog?: Logger;
  /** HTTPS (and mTLS with `clientCa`). Default: plain HTTP. */
  tls?: ServerTlsConfig;
}

/**
 * The API's operations settings from the environment: `API_METRICS` (default true),
 * `API_METRICS_ALLOW` (default `loopback,private`), `ISA_ACCESS_LOG`, and `ISA_TLS_CERT`,
 * `ISA_TLS_KEY`, `ISA_TLS_CLIENT_CA`. A bad value throws a ConfigError naming it.
 */
export function operationsFromEnv(env: Env = process.env): OperationsOptions {
  const allow = readString(env, "API_METRICS_ALLOW");
  const options: OperationsOptions = {
    metrics: readBoolean(env, "API_METRICS", true)
      ? { allow: parseAllowList(allow ? allow.split(",") : DEFAULT_METRICS_ALLOW) }
      : false,
  };
  const accessLog = createAccessLogger("isa-api", accessLogFromEnv(env));
  if (accessLog) options.accessLog = accessLog;
  const tls = serverTlsFromEnv(env);
  if (tls) options.tls = tls;
  return options;
}
