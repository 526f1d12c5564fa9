/**
 * Every environment variable isa-cloud reads: the one list. The operator's table in
 * docs/operators/operations.md is generated from it (`pnpm --filter @isa-cloud/deploy-check
 * docs`), and the tests hold it to the code: the config readers, run on recording
 * environments, read nothing that is not here and everything here that they claim; the
 * Dockerfile, compose.yaml and deploy/k8s set nothing that is not here.
 *
 * "analytics" variables reach the supervisor's workers through its environment: set them
 * on the supervisor's container.
 *
 * Over 400 lines on purpose: it is one table, and being one table is its job.
 */

/** Who reads a variable. */
export type Component =
  /** `@isa-cloud/minio-service` (`minioConfigFromEnv`), `isa start --only storage` */
  | "storage"
  /** `@isa-cloud/duckdb-service` (`duckdbConfigFromEnv`): in-process analytics, each worker */
  | "analytics"
  /** `@isa-cloud/duckdb-supervisor` (`supervisorConfigFromEnv`): the analytics front */
  | "supervisor"
  /** `@isa-cloud/api` (`apiConfigFromEnv`, `operationsFromEnv`), data-service settings included */
  | "api"
  /** `@isa-cloud/pg-gateway` (`pgGatewayConfigFromEnv`) */
  | "postgres"
  /** `isa start` and `@isa-cloud/stack` */
  | "start"
  /** the `isa` client commands */
  | "cli"
  /** every isa-cloud gRPC client (`createIsaClient`), servers' own clients included */
  | "clients"
  /** the OpenTelemetry SDK, started by every service (`startTracing`) */
  | "tracing";

export interface Variable {
  name: string;
  readBy: readonly Component[];
  /** The default, as an operator reads it ("" when there is none). */
  default: string;
  description: string;
  /** Read by a library configured through it (the OpenTelemetry SDK, Node, libuv), not by our readers. */
  external?: boolean;
  /** A secret: set it from a secret store, never in a manifest's plain text. */
  secret?: boolean;
}

const SERVICES: readonly Component[] = ["storage", "analytics", "supervisor", "api"];
const AUTH: readonly Component[] = ["storage", "analytics", "api", "postgres"];

export const VARIABLES: readonly Variable[] = [
  // Identity
  {
    name: "ISA_JWT_SECRET",
    readBy: [...AUTH, "start", "cli"],
    default: "built-in dev secret (loopback only)",
    description:
      "HS256 secret that signs and verifies tokens; required for any non-loopback listener. `isa start` creates one in the data directory",
    secret: true,
  },
  {
    name: "ISA_JWT_PUBLIC_KEY",
    readBy: AUTH,
    default: "",
    description:
      "SPKI PEM public key for RS*/PS*/ES*/EdDSA tokens (`\\n` written literally is accepted)",
  },
  {
    name: "ISA_JWKS_URL",
    readBy: AUTH,
    default: "",
    description: "JWKS endpoint for asymmetric tokens, used when no PEM key is set",
  },
  {
    name: "ISA_JWT_ISSUER",
    readBy: AUTH,
    default: "unchecked",
    description: "required `iss` of tokens",
  },
  {
    name: "ISA_JWT_AUDIENCE",
    readBy: AUTH,
    default: "unchecked",
    description: "required `aud` of tokens",
  },
  {
    name: "ISA_TRUST_USER_ID",
    readBy: ["storage", "analytics", "postgres", "api"],
    default: "false",
    description:
      "legacy mode: a call without a token acts as the `user_id` it names (the API ignores it: it always wants a token). Never in production",
  },
  {
    name: "ISA_SYSTEM_TOKEN",
    readBy: ["analytics"],
    default: "signed with ISA_JWT_SECRET",
    description:
      "token with `isa_system: true` that analytics uses for its files in storage; required with a public key or JWKS",
    secret: true,
  },
  // Addresses
  {
    name: "MINIO_GRPC_HOST",
    readBy: ["storage", "analytics", "api", "start", "cli"],
    default: "127.0.0.1 (storage listens); localhost (clients dial)",
    description: "interface storage listens on; where the others find it",
  },
  {
    name: "MINIO_GRPC_PORT",
    readBy: ["storage", "analytics", "api", "start", "cli"],
    default: "50051",
    description: "storage gRPC port (0: any free port)",
  },
  {
    name: "MINIO_HTTP_PORT",
    readBy: ["storage", "start"],
    default: "50080",
    description: "presigned-URL HTTP port of the filesystem backend (not started for S3)",
  },
  {
    name: "MINIO_PUBLIC_URL",
    readBy: ["storage"],
    default: "http://<host>:<MINIO_HTTP_PORT>",
    description:
      "base of presigned URLs as clients reach the HTTP endpoint; minio-client moves objects of 8 MiB and more through it, in-cluster services too, so it must be an address they all reach",
  },
  {
    name: "DUCKDB_GRPC_HOST",
    readBy: ["analytics", "supervisor", "api", "start", "cli", "postgres"],
    default: "127.0.0.1 (analytics listens); localhost (clients dial)",
    description: "interface analytics listens on; where the others find it",
  },
  {
    name: "DUCKDB_GRPC_PORT",
    readBy: ["analytics", "supervisor", "api", "start", "cli", "postgres"],
    default: "50052",
    description: "analytics gRPC port (0: any free port)",
  },
  {
    name: "DUCKDB_ADVERTISE_ADDRESS",
    readBy: ["supervisor"],
    default: "host:port of the front",
    description: "address other analytics nodes reach this one at (multi-node)",
  },
  {
    name: "API_HOST",
    readBy: ["api", "start"],
    default: "127.0.0.1",
    description: "interface of the HTTP API",
  },
  {
    name: "API_PORT",
    readBy: ["api", "start"],
    default: "8080",
    description: "HTTP API port (0: any free port)",
  },
  // Storage
  {
    name: "ISA_DATA_DIR",
    readBy: ["storage", "analytics", "supervisor", "start", "cli"],
    default: "./data",
    description: "root of local state: filesystem objects, DuckDB cache, logs",
  },
  { name: "MINIO_BACKEND", readBy: ["storage"], default: "fs", description: "`fs` or `s3`" },
  {
    name: "MINIO_S3_ENDPOINT",
    readBy: ["storage"],
    default: "AWS S3",
    description: "S3 endpoint URL, e.g. http://minio:9000",
  },
  {
    name: "MINIO_S3_REGION",
    readBy: ["storage"],
    default: "us-east-1",
    description: "region used for signing",
  },
  {
    name: "MINIO_S3_ACCESS_KEY",
    readBy: ["storage"],
    default: "required for s3",
    description: "S3 access key id",
    secret: true,
  },
  {
    name: "MINIO_S3_SECRET_KEY",
    readBy: ["storage"],
    default: "required for s3",
    description: "S3 secret key",
    secret: true,
  },
  {
    name: "MINIO_S3_FORCE_PATH_STYLE",
    readBy: ["storage"],
    default: "true with an endpoint",
    description: "path-style URLs (MinIO, Ceph)",
  },
  {
    name: "MINIO_S3_BUCKET",
    readBy: ["storage"],
    default: "isa-cloud",
    description: "the one physical bucket holding every tenant's data; created when missing",
  },
  {
    name: "MINIO_PRESIGN_SECRET",
    readBy: ["storage"],
    default: "derived from ISA_JWT_SECRET",
    description: "HMAC key of the filesystem backend's presigned URLs",
    secret: true,
  },
  {
    name: "MINIO_MAX_MESSAGE_BYTES",
    readBy: ["storage"],
    default: "ISA_MAX_MESSAGE_BYTES",
    description: "storage's override of the message limit",
  },
  {
    name: "ISA_MAX_MESSAGE_BYTES",
    readBy: ["storage", "analytics", "supervisor"],
    default: "8388608",
    description: "largest gRPC message either way (raise clients too)",
  },
  // Analytics
  {
    name: "DUCKDB_BUCKET",
    readBy: ["analytics"],
    default: "duckdb-databases",
    description: "system bucket of database files, registry and backups",
  },
  {
    name: "DUCKDB_MAX_OPEN_DATABASES",
    readBy: ["analytics"],
    default: "64",
    description: "databases open at once (LRU beyond)",
  },
  {
    name: "DUCKDB_TOTAL_MEMORY",
    readBy: ["analytics"],
    default: "half the RAM (3/4 of a worker's budget)",
    description: "memory all open databases share",
  },
  {
    name: "DUCKDB_TOTAL_THREADS",
    readBy: ["analytics"],
    default: "2 per CPU",
    description: "threads all open databases share",
  },
  {
    name: "DUCKDB_CHECKPOINT_INTERVAL_SECONDS",
    readBy: ["analytics"],
    default: "60",
    description: "how often changed databases are uploaded",
  },
  {
    name: "DUCKDB_MAX_CONNECTIONS",
    readBy: ["analytics"],
    default: "8",
    description: "concurrent calls per database",
  },
  {
    name: "DUCKDB_MEMORY_LIMIT",
    readBy: ["analytics"],
    default: "512MB",
    description: "memory limit of a database created without config",
  },
  {
    name: "DUCKDB_THREADS",
    readBy: ["analytics"],
    default: "2",
    description: "threads of a database created without config",
  },
  {
    name: "DUCKDB_MAX_MEMORY_LIMIT",
    readBy: ["analytics"],
    default: "4GB",
    description: "most a CreateDatabase config may ask for",
  },
  {
    name: "DUCKDB_MAX_THREADS",
    readBy: ["analytics"],
    default: "4",
    description: "most threads a CreateDatabase config may ask for",
  },
  {
    name: "DUCKDB_QUERY_TIMEOUT_SECONDS",
    readBy: ["analytics", "supervisor"],
    default: "300",
    description: "timeout of a query that names none",
  },
  {
    name: "DUCKDB_MAX_QUERY_TIMEOUT_SECONDS",
    readBy: ["analytics", "supervisor"],
    default: "3600",
    description: "cap on a query's timeout_seconds",
  },
  {
    name: "DUCKDB_MAX_IMPORT_BYTES",
    readBy: ["analytics"],
    default: "10737418240",
    description: "largest ImportData upload",
  },
  {
    name: "DUCKDB_ORPHAN_AGE_MINUTES",
    readBy: ["analytics"],
    default: "15",
    description: "age after which stored files no pointer names are deleted",
  },
  {
    name: "DUCKDB_ISOLATION",
    readBy: ["start"],
    default: "workers",
    description: "`workers` (the supervisor, tenants in worker processes) or `in-process`",
  },
  {
    name: "DUCKDB_WORKERS",
    readBy: ["supervisor"],
    default: "4",
    description: "worker processes behind the analytics front",
  },
  {
    name: "DUCKDB_WORKER_MEMORY_MB",
    readBy: ["supervisor"],
    default: "half the RAM / workers, >= 512",
    description: "RSS budget of a worker; beyond it the worker is killed and restarted",
  },
  {
    name: "DUCKDB_WORKER_GRACE_MS",
    readBy: ["supervisor"],
    default: "2000",
    description: "how long past its deadline a call may run before its worker is killed",
  },
  {
    name: "DUCKDB_WORKER_THREADPOOL_SIZE",
    readBy: ["supervisor"],
    default: "16",
    description: "libuv pool of each worker",
  },
  // Multi-node analytics
  {
    name: "ISA_ETCD_ENDPOINTS",
    readBy: ["supervisor", "analytics"],
    default: "none (one node)",
    description: "etcd client URLs, comma-separated: several analytics nodes share one owner map",
  },
  {
    name: "ISA_ETCD_LEASE_TTL_SECONDS",
    readBy: ["supervisor"],
    default: "5",
    description: "TTL of a node's lease; a dead node's owners are free after it",
  },
  {
    name: "ISA_NODE_ID",
    readBy: ["supervisor", "analytics"],
    default: "kept in the data directory",
    description: "this node's id in the owner map",
  },
  {
    name: "ISA_ETCD_OWNER_PREFIX",
    readBy: ["analytics"],
    default: "/isa/analytics/owners/",
    description: "prefix of owner keys (set by the supervisor for its workers)",
  },
  {
    name: "ISA_ETCD_LEASE_ID",
    readBy: ["analytics"],
    default: "",
    description: "lease owner keys are held under (set by the supervisor for its workers)",
  },
  // HTTP API and data-service
  {
    name: "API_BODY_LIMIT",
    readBy: ["api"],
    default: "16777216",
    description: "largest JSON body, bytes",
  },
  {
    name: "API_MAX_UPLOAD_BYTES",
    readBy: ["api"],
    default: "5368709120",
    description: "largest streamed upload, bytes",
  },
  {
    name: "API_RATE_LIMIT_MAX",
    readBy: ["api"],
    default: "600",
    description: "requests per window per user; 0 turns limiting off",
  },
  {
    name: "API_RATE_LIMIT_WINDOW_MS",
    readBy: ["api"],
    default: "60000",
    description: "the rate-limit window",
  },
  { name: "API_DOCS", readBy: ["api"], default: "true", description: "serve /docs and /docs/json" },
  {
    name: "ISA_RESULT_CACHE_MB",
    readBy: ["api"],
    default: "32",
    description:
      "memory for repeated analyses' results, kept per user and database and dropped by any write; 0 turns the cache off",
  },
  {
    name: "API_CORS_ORIGINS",
    readBy: ["api"],
    default: "none (CORS off)",
    description: "comma-separated origins browsers may call from",
  },
  {
    name: "API_DEV_SIGN_IN",
    readBy: ["api"],
    default: "false",
    description: "offer the console's one-click dev sign-in (loopback, dev secret only)",
  },
  {
    name: "ISA_USER_BUCKET",
    readBy: ["api"],
    default: "data",
    description: "the bucket in each user's namespace that holds their files",
  },
  {
    name: "ISA_GRPC_POOL_SIZE",
    readBy: ["api"],
    default: "1",
    description: "connections per service",
  },
  {
    name: "ISA_GRPC_DEADLINE_MS",
    readBy: ["api"],
    default: "30000",
    description: "deadline of calls that move no file bytes",
  },
  {
    name: "ISA_QUERY_MAX_ROWS",
    readBy: ["api"],
    default: "10000",
    description: "most rows a read-only query returns",
  },
  // Postgres wire endpoint
  {
    name: "DUCKDB_PG_ENABLED",
    readBy: ["postgres", "start"],
    default: "true",
    description: "start the Postgres wire endpoint with `isa start`",
  },
  {
    name: "DUCKDB_PG_HOST",
    readBy: ["postgres", "start"],
    default: "127.0.0.1",
    description: "interface of the Postgres wire endpoint",
  },
  {
    name: "DUCKDB_PG_PORT",
    readBy: ["postgres", "start"],
    default: "5433",
    description: "Postgres wire port",
  },
  {
    name: "DUCKDB_PG_MAX_MESSAGE_BYTES",
    readBy: ["postgres"],
    default: "8388608",
    description: "largest Postgres message",
  },
  {
    name: "DUCKDB_PG_TLS_CERT",
    readBy: ["postgres"],
    default: "",
    description: "certificate of the Postgres endpoint's TLS",
  },
  {
    name: "DUCKDB_PG_TLS_KEY",
    readBy: ["postgres"],
    default: "",
    description: "key of DUCKDB_PG_TLS_CERT",
  },
  // Operations: metrics, logs, TLS
  {
    name: "MINIO_METRICS_PORT",
    readBy: ["storage"],
    default: "9091 (any free port when MINIO_GRPC_PORT is 0)",
    description: "storage's /metrics, /healthz, /readyz port; `off` for none",
  },
  {
    name: "MINIO_METRICS_HOST",
    readBy: ["storage"],
    default: "MINIO_GRPC_HOST",
    description: "interface of storage's metrics endpoint",
  },
  {
    name: "DUCKDB_METRICS_PORT",
    readBy: ["analytics", "supervisor"],
    default: "9092 (any free port when DUCKDB_GRPC_PORT is 0)",
    description:
      "analytics' /metrics, /healthz, /readyz port (the supervisor front's, with its workers' series); `off` for none",
  },
  {
    name: "DUCKDB_METRICS_HOST",
    readBy: ["analytics", "supervisor"],
    default: "DUCKDB_GRPC_HOST",
    description: "interface of analytics' metrics endpoint",
  },
  {
    name: "API_METRICS",
    readBy: ["api"],
    default: "true",
    description: "serve /metrics on the API port",
  },
  {
    name: "API_METRICS_ALLOW",
    readBy: ["api"],
    default: "loopback,private",
    description:
      "who may scrape the API's /metrics: addresses, CIDRs, `loopback`, `private`, `any`",
  },
  {
    name: "ISA_ACCESS_LOG",
    readBy: ["storage", "analytics", "api", "start"],
    default:
      "stdout in production (NODE_ENV=production), else off; <data dir>/logs/access.log under `isa start`",
    description: "one JSON line per call and request: `off`, `stdout` or a file path",
  },
  {
    name: "LOG_LEVEL",
    readBy: ["storage", "analytics", "supervisor", "api", "start", "postgres"],
    default: "info (warn under `isa start`)",
    description: "pino level of the services' own logs (the access log has its own switch)",
  },
  {
    name: "NODE_ENV",
    readBy: ["storage", "analytics", "api"],
    default: "",
    description: "`production` turns the access log on by default (the image sets it)",
  },
  {
    name: "ISA_TLS_CERT",
    readBy: [...SERVICES, "start"],
    default: "plaintext",
    description: "server certificate chain (PEM file or PEM text) of every gRPC port and the API",
  },
  {
    name: "ISA_TLS_KEY",
    readBy: [...SERVICES, "start"],
    default: "",
    description: "private key of ISA_TLS_CERT",
    secret: true,
  },
  {
    name: "ISA_TLS_CLIENT_CA",
    readBy: SERVICES,
    default: "no client certificates",
    description: "CA bundle client certificates must chain to (mTLS)",
  },
  {
    name: "ISA_TLS_CA",
    readBy: ["clients", "start"],
    default: "system roots; plaintext unless an address says https://",
    description: "CA bundle clients trust; when set, every client dials TLS",
  },
  {
    name: "ISA_TLS_CLIENT_CERT",
    readBy: ["clients"],
    default: "",
    description: "client certificate clients present (mTLS)",
  },
  {
    name: "ISA_TLS_CLIENT_KEY",
    readBy: ["clients"],
    default: "",
    description: "key of ISA_TLS_CLIENT_CERT",
    secret: true,
  },
  // Tracing (standard OpenTelemetry variables)
  {
    name: "OTEL_EXPORTER_OTLP_ENDPOINT",
    readBy: ["tracing"],
    default: "tracing off",
    description: "OTLP collector; setting it (or OTEL_TRACES_EXPORTER) turns tracing on",
  },
  {
    name: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    readBy: ["tracing"],
    default: "",
    description: "OTLP endpoint for traces only",
  },
  {
    name: "OTEL_TRACES_EXPORTER",
    readBy: ["tracing"],
    default: "otlp once tracing is on",
    description: "`otlp`, `console` or `none`",
  },
  {
    name: "OTEL_SDK_DISABLED",
    readBy: ["tracing"],
    default: "false",
    description: "`true` keeps tracing off whatever else is set",
  },
  {
    name: "OTEL_SERVICE_NAME",
    readBy: ["tracing"],
    default: "isa-minio-service, isa-duckdb-service, isa-api",
    description: "service.name of the spans",
  },
  {
    name: "OTEL_EXPORTER_OTLP_PROTOCOL",
    readBy: ["tracing"],
    default: "http/protobuf",
    description: "`grpc`, `http/protobuf` or `http/json`",
    external: true,
  },
  {
    name: "OTEL_TRACES_SAMPLER",
    readBy: ["tracing"],
    default: "parentbased_always_on",
    description: "sampler, e.g. `parentbased_traceidratio` with OTEL_TRACES_SAMPLER_ARG",
    external: true,
  },
  {
    name: "OTEL_TRACES_SAMPLER_ARG",
    readBy: ["tracing"],
    default: "",
    description: "the sampler's argument, e.g. 0.1",
    external: true,
  },
  {
    name: "OTEL_RESOURCE_ATTRIBUTES",
    readBy: ["tracing"],
    default: "",
    description: "extra resource attributes, e.g. deployment.environment=prod",
    external: true,
  },
  // Process
  {
    name: "UV_THREADPOOL_SIZE",
    readBy: ["analytics"],
    default: "4 (16 under `isa start` and for workers)",
    description: "libuv's pool, which DuckDB runs on; must be set before Node starts",
    external: true,
  },
  // The isa client commands
  {
    name: "ISA_PROFILE",
    readBy: ["cli"],
    default: "the config's current profile",
    description: "profile of the client commands",
  },
  {
    name: "ISA_TOKEN",
    readBy: ["cli"],
    default: "minted from the local secret",
    description: "bearer token of the client commands",
    secret: true,
  },
  {
    name: "ISA_API_URL",
    readBy: ["cli"],
    default: "the profile's",
    description: "HTTP API the client commands use",
  },
  {
    name: "ISA_STORAGE_ADDRESS",
    readBy: ["cli"],
    default: "the profile's",
    description: "storage address of the client commands",
  },
  {
    name: "ISA_ANALYTICS_ADDRESS",
    readBy: ["cli"],
    default: "the profile's",
    description: "analytics address of the client commands",
  },
];

/** The variable named `name`, if any. */
export function variable(name: string): Variable | undefined {
  return VARIABLES.find((v) => v.name === name);
}
