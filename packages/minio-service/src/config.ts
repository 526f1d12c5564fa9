import { resolve } from "node:path";
import { DEFAULT_MAX_MESSAGE_BYTES, readString } from "@isa-cloud/rpc/wire";
import type {
  AccessLogTarget,
  AuthConfig,
  MetricsEndpointConfig,
  ServerTlsConfig,
} from "@isa-cloud/rpc-server";
import {
  accessLogFromEnv,
  authConfigFromEnv,
  metricsEndpointFromEnv,
  serverTlsFromEnv,
} from "@isa-cloud/rpc-server";
import type { S3StoreOptions } from "./backend/s3/options.js";
import { derivePresignSecret } from "./presign.js";
import { validateBucketName } from "./validation.js";

export type MinioBackendConfig =
  | {
      kind: "fs";
      /** Directory of the objects: `<ISA_DATA_DIR>/objects`. */
      root: string;
    }
  | ({ kind: "s3" } & S3StoreOptions);

export interface MinioServiceConfig {
  /** gRPC interface. Default (from env) "127.0.0.1". */
  host: string;
  /** gRPC port; 0 picks a free one. Default 50051. */
  port: number;
  /** Presigned-URL HTTP port of the filesystem backend; 0 picks a free one. Default 50080. */
  httpPort: number;
  /** Base URL of presigned URLs as clients reach the HTTP endpoint. Default `http://<host>:<httpPort>`. */
  publicUrl?: string;
  backend: MinioBackendConfig;
  auth: AuthConfig;
  /**
   * HMAC key of the filesystem backend's presigned URLs. From env: MINIO_PRESIGN_SECRET, else
   * derived from ISA_JWT_SECRET (never the JWT secret itself). Empty: a random key per
   * process (URLs die with the process; a warning is logged).
   */
  presignSecret: string;
  /** Largest gRPC message either way. From env: MINIO_MAX_MESSAGE_BYTES, else ISA_MAX_MESSAGE_BYTES; default 8 MiB. */
  maxMessageBytes: number;
  /** pino level. Default: LOG_LEVEL, else "info". */
  logLevel?: string;
  /**
   * The HTTP endpoint of `/metrics`, `/healthz`, `/readyz`. From env: MINIO_METRICS_PORT
   * (default 9091; any free port when MINIO_GRPC_PORT is 0; `off`), MINIO_METRICS_HOST
   * (default the gRPC host). Undefined: no endpoint.
   */
  metrics?: MetricsEndpointConfig;
  /** TLS of the gRPC port (and mTLS). From env: ISA_TLS_CERT, ISA_TLS_KEY, ISA_TLS_CLIENT_CA. Default plaintext. */
  tls?: ServerTlsConfig;
  /** Access-log lines. From env: ISA_ACCESS_LOG. Default "off". */
  accessLog?: AccessLogTarget;
}

/**
 * Reads the configuration from the environment (names and defaults in the README).
 * Every bad value throws an Error naming the variable and what to set.
 */
export function minioConfigFromEnv(env: NodeJS.ProcessEnv = process.env): MinioServiceConfig {
  const auth = authConfigFromEnv(env);
  const host = readString(env, "MINIO_GRPC_HOST") ?? "127.0.0.1";
  const port = portOf(env, "MINIO_GRPC_PORT", 50051);
  const httpPort = portOf(env, "MINIO_HTTP_PORT", 50080);
  const publicUrl = readString(env, "MINIO_PUBLIC_URL");
  if (publicUrl !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(publicUrl);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
      throw new Error(
        `MINIO_PUBLIC_URL must be an http(s) URL such as "https://storage.example.com", got ${JSON.stringify(publicUrl)}`,
      );
    }
  }
  const kind = readString(env, "MINIO_BACKEND") ?? "fs";
  let backend: MinioBackendConfig;
  if (kind === "fs") {
    backend = { kind: "fs", root: resolve(readString(env, "ISA_DATA_DIR") ?? "./data", "objects") };
  } else if (kind === "s3") {
    const endpoint = readString(env, "MINIO_S3_ENDPOINT") ?? "";
    if (endpoint) {
      try {
        new URL(endpoint);
      } catch {
        throw new Error(
          `MINIO_S3_ENDPOINT must be a URL such as "http://minio:9000", got ${JSON.stringify(endpoint)}`,
        );
      }
    }
    const bucket = readString(env, "MINIO_S3_BUCKET") ?? "isa-cloud";
    try {
      validateBucketName(bucket);
    } catch (err) {
      throw new Error(`MINIO_S3_BUCKET: ${(err as { details?: string }).details ?? String(err)}`);
    }
    backend = {
      kind: "s3",
      endpoint,
      region: readString(env, "MINIO_S3_REGION") ?? "us-east-1",
      accessKeyId: required(env, "MINIO_S3_ACCESS_KEY", "the S3 access key id"),
      secretAccessKey: required(env, "MINIO_S3_SECRET_KEY", "the S3 secret key"),
      forcePathStyle: flag(env, "MINIO_S3_FORCE_PATH_STYLE", endpoint !== ""),
      bucket,
    };
  } else {
    throw new Error(`MINIO_BACKEND must be "fs" or "s3", got ${JSON.stringify(kind)}`);
  }
  const jwtSecret = readString(env, "ISA_JWT_SECRET");
  let presignSecret = readString(env, "MINIO_PRESIGN_SECRET");
  if (presignSecret !== undefined && presignSecret === jwtSecret) {
    throw new Error(
      "MINIO_PRESIGN_SECRET must differ from ISA_JWT_SECRET: unset it to derive a separate key from ISA_JWT_SECRET",
    );
  }
  presignSecret ??= jwtSecret !== undefined ? derivePresignSecret(jwtSecret) : "";
  // ISA_MAX_MESSAGE_BYTES is the platform-wide setting; MINIO_MAX_MESSAGE_BYTES overrides it here.
  const maxMessageBytes = integer(
    env,
    "MINIO_MAX_MESSAGE_BYTES",
    integer(env, "ISA_MAX_MESSAGE_BYTES", DEFAULT_MAX_MESSAGE_BYTES, 64 * 1024),
    64 * 1024,
  );
  const config: MinioServiceConfig = {
    host,
    port,
    httpPort,
    backend,
    auth,
    presignSecret,
    maxMessageBytes,
  };
  if (publicUrl !== undefined) config.publicUrl = publicUrl;
  const logLevel = readString(env, "LOG_LEVEL");
  if (logLevel !== undefined) config.logLevel = logLevel;
  const metrics = metricsEndpointFromEnv(env, {
    prefix: "MINIO",
    defaultPort: 9091,
    grpcHost: host,
    grpcPort: port,
  });
  if (metrics) config.metrics = metrics;
  const tls = serverTlsFromEnv(env);
  if (tls) config.tls = tls;
  config.accessLog = accessLogFromEnv(env);
  return config;
}

function required(env: NodeJS.ProcessEnv, name: string, what: string): string {
  const value = readString(env, name);
  if (value === undefined)
    throw new Error(`${name} is required with MINIO_BACKEND=s3: set it to ${what}`);
  return value;
}

function portOf(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = readString(env, name);
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new Error(
      `${name} must be a port number (0-65535; 0 picks a free one), got ${JSON.stringify(value)}`,
    );
  }
  return port;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const value = readString(env, name);
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || !Number.isSafeInteger(n)) {
    throw new Error(
      `${name} must be a whole number of bytes, at least ${min}, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const value = readString(env, name);
  if (value === undefined) return fallback;
  if (value === "true") return true;
  if (value === "false") return false;
  throw new Error(`${name} must be "true" or "false", got ${JSON.stringify(value)}`);
}
