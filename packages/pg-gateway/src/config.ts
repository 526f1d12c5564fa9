import { readFileSync } from "node:fs";
import {
  ConfigError,
  connectableHost,
  formatHostPort,
  readBoolean,
  readHost,
  readInteger,
  readPort,
  readString,
} from "@isa-cloud/rpc/wire";
import { type AuthConfig, authConfigFromEnv } from "@isa-cloud/rpc-server";
import type { Logger } from "pino";

export interface PgGatewayConfig {
  /** `DUCKDB_PG_ENABLED`, default true: whether `isa start` and the bin start the gateway. */
  enabled?: boolean;
  /** `DUCKDB_PG_HOST`, default "127.0.0.1". Beyond loopback, TLS is required. */
  host: string;
  /** `DUCKDB_PG_PORT`, default 5433 (0 = any free port). */
  port: number;
  /**
   * The analytics gRPC service every statement goes to: `DUCKDB_GRPC_HOST`:`DUCKDB_GRPC_PORT`,
   * default "127.0.0.1:50052".
   */
  analyticsAddress: string;
  /** Token verification, exactly the services': `ISA_JWT_SECRET`, `ISA_JWT_PUBLIC_KEY`, `ISA_JWKS_URL`, ... */
  auth: AuthConfig;
  /**
   * PEM certificate chain and key (`DUCKDB_PG_TLS_CERT` / `DUCKDB_PG_TLS_KEY`, file paths).
   * With them every connection must use TLS (sslmode=require or better). Default none.
   */
  tls?: { cert: Buffer; key: Buffer };
  /**
   * Largest frontend message, bytes (`DUCKDB_PG_MAX_MESSAGE_BYTES`, default 8 MiB, the
   * gRPC request limit a statement must fit anyway). A longer one closes the connection
   * before it is buffered.
   */
  maxMessageBytes?: number;
  /** pino level (`LOG_LEVEL`), default "info"; or a logger of the embedding process. */
  logLevel?: string;
  logger?: Logger;
}

/** Reads the configuration from the environment; a bad value throws a ConfigError naming the variable. */
export function pgGatewayConfigFromEnv(env: NodeJS.ProcessEnv = process.env): PgGatewayConfig {
  const certPath = readString(env, "DUCKDB_PG_TLS_CERT");
  const keyPath = readString(env, "DUCKDB_PG_TLS_KEY");
  if ((certPath === undefined) !== (keyPath === undefined)) {
    const missing = certPath === undefined ? "DUCKDB_PG_TLS_CERT" : "DUCKDB_PG_TLS_KEY";
    throw new ConfigError(
      missing,
      `${missing} must be set with its pair: TLS needs both a certificate and a key`,
    );
  }
  const config: PgGatewayConfig = {
    enabled: readBoolean(env, "DUCKDB_PG_ENABLED", true),
    host: readHost(env, "DUCKDB_PG_HOST", "127.0.0.1"),
    port: readPort(env, "DUCKDB_PG_PORT", 5433),
    analyticsAddress: formatHostPort(
      connectableHost(readHost(env, "DUCKDB_GRPC_HOST", "127.0.0.1")),
      readPort(env, "DUCKDB_GRPC_PORT", 50052),
    ),
    auth: authConfigFromEnv(env),
    maxMessageBytes: readInteger(env, "DUCKDB_PG_MAX_MESSAGE_BYTES", 8 * 1024 * 1024, {
      min: 64 * 1024,
      max: 1024 ** 3,
    }),
    logLevel: readString(env, "LOG_LEVEL", "info"),
  };
  if (certPath && keyPath) {
    config.tls = {
      cert: readPem(certPath, "DUCKDB_PG_TLS_CERT"),
      key: readPem(keyPath, "DUCKDB_PG_TLS_KEY"),
    };
  }
  return config;
}

function readPem(path: string, variable: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(variable, `${variable}: cannot read ${path}: ${(err as Error).message}`);
  }
}
