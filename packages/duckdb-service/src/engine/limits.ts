import { ServerError, Status } from "nice-grpc";
import type { DatabaseLimits } from "./sandbox.js";

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  tb: 1000 ** 4,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

// Below this DuckDB cannot even hold one CSV reader buffer.
export const MIN_MEMORY_BYTES = 128 * 1000 ** 2;

/** Bytes of a DuckDB memory size ("512MB", "1.5GiB"); undefined when it is not one. */
export function parseMemorySize(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i.exec(text);
  const unit = match && UNITS[match[2]!.toLowerCase()];
  return unit ? Math.floor(Number(match[1]) * unit) : undefined;
}

/** Caps the service puts on what CreateDatabase may ask for. */
export interface LimitCaps {
  maxMemoryBytes: number;
  maxThreads: number;
}

/**
 * A database's limits from CreateDatabase `config` ("memory_limit", "threads"), each
 * defaulting to the service's; out-of-range or unknown keys are INVALID_ARGUMENT.
 */
export function limitsFromConfig(
  config: Readonly<Record<string, string>>,
  defaults: DatabaseLimits,
  caps: LimitCaps,
): DatabaseLimits {
  const limits = { ...defaults };
  for (const [key, value] of Object.entries(config)) {
    if (key === "memory_limit") {
      const bytes = parseMemorySize(value);
      if (bytes === undefined || bytes < MIN_MEMORY_BYTES || bytes > caps.maxMemoryBytes) {
        throw new ServerError(
          Status.INVALID_ARGUMENT,
          `config memory_limit ${JSON.stringify(value)} is invalid: give a size like "512MB" ` +
            `between 128MB and ${Math.floor(caps.maxMemoryBytes / 1000 ** 2)}MB (one database's ` +
            "share: DUCKDB_MAX_MEMORY_LIMIT, at most DUCKDB_TOTAL_MEMORY / DUCKDB_MAX_OPEN_DATABASES)",
        );
      }
      limits.memoryLimit = value.trim();
    } else if (key === "threads") {
      const threads = Number(value);
      if (!/^\d+$/.test(value.trim()) || threads < 1 || threads > caps.maxThreads) {
        throw new ServerError(
          Status.INVALID_ARGUMENT,
          `config threads ${JSON.stringify(value)} is invalid: give a whole number from 1 to ${caps.maxThreads} ` +
            "(one database's share: DUCKDB_MAX_THREADS, at most DUCKDB_TOTAL_THREADS / DUCKDB_MAX_OPEN_DATABASES)",
        );
      }
      limits.threads = threads;
    } else {
      throw new ServerError(
        Status.INVALID_ARGUMENT,
        `config key ${JSON.stringify(key)} is not supported: use "memory_limit" and "threads"`,
      );
    }
  }
  return limits;
}

/**
 * Limits lowered to `caps`: the service defaults, and databases created before the caps
 * were lowered (their stored limits are kept; they open with the smaller ones).
 */
export function clampLimits(limits: DatabaseLimits, caps: LimitCaps): DatabaseLimits {
  const bytes = parseMemorySize(limits.memoryLimit);
  const memoryLimit =
    bytes === undefined || bytes > caps.maxMemoryBytes
      ? `${Math.floor(caps.maxMemoryBytes / 1000 ** 2)}MB`
      : limits.memoryLimit;
  return { memoryLimit, threads: Math.min(limits.threads, caps.maxThreads) };
}
