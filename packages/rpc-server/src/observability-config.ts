import { isAbsolute, resolve } from "node:path";
import { ConfigError, readHost, readPort, readString } from "@isa-cloud/rpc/wire";

type Env = Record<string, string | undefined>;

/** Where a service's metrics endpoint listens. */
export interface MetricsEndpointConfig {
  host: string;
  port: number;
}

/** Words that switch a setting off. */
const OFF = new Set(["off", "false", "no", "none", "disabled"]);

/**
 * A service's metrics endpoint from `<prefix>_METRICS_PORT` and `<prefix>_METRICS_HOST`:
 * the port (0 = any free one) or `off`; by default `defaultPort`, except that a service
 * whose gRPC port is 0 (tests, `isa start --storage-port 0`) takes any free port too, so
 * that two of them never fight over the fixed one. The host defaults to the gRPC host.
 * Undefined when off.
 */
export function metricsEndpointFromEnv(
  env: Env,
  opts: { prefix: string; defaultPort: number; grpcHost: string; grpcPort: number },
): MetricsEndpointConfig | undefined {
  const portVariable = `${opts.prefix}_METRICS_PORT`;
  const raw = readString(env, portVariable);
  if (raw !== undefined && OFF.has(raw.toLowerCase())) return undefined;
  const fallback = opts.grpcPort === 0 ? 0 : opts.defaultPort;
  let port: number;
  try {
    port = readPort(env, portVariable, fallback);
  } catch {
    throw new ConfigError(
      portVariable,
      `${portVariable} must be a port number from 0 to 65535 or "off", got "${raw}"`,
    );
  }
  return { host: readHost(env, `${opts.prefix}_METRICS_HOST`, opts.grpcHost), port };
}

/** Where access-log lines go: nowhere, stdout, or a file (appended to). */
export type AccessLogTarget = "off" | "stdout" | { file: string };

/**
 * `ISA_ACCESS_LOG`: `off`, `stdout` (also `on`/`true`) or the path of a file to append to
 * (relative paths from the working directory; its folder is created). Default: `stdout`
 * when `NODE_ENV` is `production` (the image sets it), else `off`; `isa start` defaults it
 * to `<data dir>/logs/access.log`.
 */
export function accessLogFromEnv(env: Env = process.env): AccessLogTarget {
  const raw = readString(env, "ISA_ACCESS_LOG");
  if (raw === undefined) return readString(env, "NODE_ENV") === "production" ? "stdout" : "off";
  const word = raw.toLowerCase();
  if (OFF.has(word)) return "off";
  if (word === "stdout" || word === "on" || word === "true" || word === "1") return "stdout";
  if (word === "stderr") {
    throw new ConfigError(
      "ISA_ACCESS_LOG",
      'ISA_ACCESS_LOG must be "off", "stdout" or a file path',
    );
  }
  return { file: isAbsolute(raw) ? raw : resolve(raw) };
}
