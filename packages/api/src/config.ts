import { type DataServiceConfig, dataServiceConfigFromEnv } from "@isa-cloud/data-service";
import {
  ConfigError,
  readBoolean,
  readChoice,
  readHost,
  readInteger,
  readPort,
} from "@isa-cloud/rpc/wire";
import { type AuthConfig, authConfigFromEnv } from "@isa-cloud/rpc-server";
import { config as loadDotenv } from "dotenv";
import { parseCorsOrigins } from "./cors.js";

type Env = Record<string, string | undefined>;

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

export interface ApiConfig {
  /**
   * `API_HOST`, default "127.0.0.1". `startApi` refuses a non-loopback host while tokens
   * are checked with the built-in dev secret (no ISA_JWT_SECRET / key / JWKS set).
   */
  host: string;
  /** `API_PORT`, default 8080 (0 picks a free port). */
  port: number;
  /** `API_BODY_LIMIT`, default 16 MiB: largest JSON body (a base64 upload is 4/3 of its file). */
  bodyLimit: number;
  /** `API_MAX_UPLOAD_BYTES`, default 5 GiB: largest streamed upload (PUT /files/...). */
  maxUploadBytes: number;
  /** `API_RATE_LIMIT_MAX` per `API_RATE_LIMIT_WINDOW_MS` per user (or IP); max 0 turns it off. Default 600 per 60,000 ms. */
  rateLimit: { max: number; timeWindowMs: number } | false;
  /** `API_DOCS`, default true: OpenAPI at /docs/json and the interactive page at /docs. */
  docs: boolean;
  /**
   * `API_DEV_SIGN_IN`, default false: offer the console's one-click dev sign-in (loopback
   * only) although tokens are checked with a configured secret. `isa start` sets it for
   * the secret it keeps in its data directory, the embedded default's own dev secret.
   */
  devSignIn: boolean;
  /** `API_CORS_ORIGINS`, default none (CORS off): comma-separated origins browsers may call from. */
  corsOrigins?: string[];
  /** `LOG_LEVEL`, default "info". */
  logLevel: (typeof LOG_LEVELS)[number];
  /** `ISA_JWT_*`: how bearer tokens are verified (shared with the services). */
  auth: AuthConfig;
  /** The services and data-service settings (MINIO_GRPC_HOST/PORT, DUCKDB_GRPC_HOST/PORT, ...). */
  services: DataServiceConfig;
}

/**
 * Loads `.env` from the working directory into `env` (variables already set win,
 * as with the guide's python-dotenv).
 */
export function loadEnvFile(path?: string, env: Env = process.env): void {
  loadDotenv({ path: path ?? ".env", processEnv: env as NodeJS.ProcessEnv, quiet: true });
}

/** Reads and validates the API's configuration; each bad value throws ConfigError naming it. */
export function apiConfigFromEnv(env: Env = process.env): ApiConfig {
  const rateMax = readInteger(env, "API_RATE_LIMIT_MAX", 600, { min: 0 });
  let auth: AuthConfig;
  try {
    auth = authConfigFromEnv(env as NodeJS.ProcessEnv);
  } catch (err) {
    const message = (err as Error).message;
    throw new ConfigError(/^([A-Z_]+)/.exec(message)?.[1] ?? "ISA_JWT_SECRET", message);
  }
  let corsOrigins: string[] | undefined;
  try {
    corsOrigins = parseCorsOrigins(env.API_CORS_ORIGINS);
  } catch (err) {
    throw new ConfigError("API_CORS_ORIGINS", `API_CORS_ORIGINS: ${(err as Error).message}`);
  }
  return {
    ...(corsOrigins ? { corsOrigins } : {}),
    host: readHost(env, "API_HOST", "127.0.0.1"),
    port: readPort(env, "API_PORT", 8080),
    bodyLimit: readInteger(env, "API_BODY_LIMIT", 16 * 1024 * 1024, { min: 1024 }),
    maxUploadBytes: readInteger(env, "API_MAX_UPLOAD_BYTES", 5 * 1024 ** 3, { min: 1 }),
    rateLimit:
      rateMax === 0
        ? false
        : {
            max: rateMax,
            timeWindowMs: readInteger(env, "API_RATE_LIMIT_WINDOW_MS", 60_000, { min: 1 }),
          },
    docs: readBoolean(env, "API_DOCS", true),
    devSignIn: readBoolean(env, "API_DEV_SIGN_IN", false),
    logLevel: readChoice(env, "LOG_LEVEL", LOG_LEVELS, "info"),
    auth,
    services: dataServiceConfigFromEnv(env),
  };
}
