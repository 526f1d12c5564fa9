import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { UsageError } from "../context.js";

/** The flags of `isa start` about TLS and the access log. */
export interface StartOperationsFlags {
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
}

/**
 * The settings `isa start` adds for TLS and the access log, checked before anything
 * starts:
 * - `--tls-cert`/`--tls-key` (or `ISA_TLS_CERT`/`ISA_TLS_KEY`): every service and the API
 *   serve TLS with them; the services' own clients (the API's, analytics' to storage)
 *   trust `--tls-ca` (or `ISA_TLS_CA`), by default the certificate itself, which is right
 *   for a self-signed one. The certificate must name the host clients dial (127.0.0.1 on
 *   one machine).
 * - `ISA_ACCESS_LOG`: by default `<data dir>/logs/access.log`, so the terminal stays
 *   quiet while every call and request still leaves its line.
 * Returns the variables to set and the CA file (for the printed curl line).
 */
export function startOperationsSettings(
  flags: StartOperationsFlags,
  env: Record<string, string | undefined>,
  dataDir: string,
): { env: Record<string, string>; caFile?: string } {
  const settings: Record<string, string> = {};
  const file = (value: string | undefined, flag: string): string | undefined => {
    if (value === undefined) return undefined;
    const path = resolve(value);
    if (!existsSync(path)) throw new UsageError(`${flag}: no such file ${path}`);
    return path;
  };
  const cert = file(flags.tlsCert, "--tls-cert") ?? env.ISA_TLS_CERT?.trim();
  const key = file(flags.tlsKey, "--tls-key") ?? env.ISA_TLS_KEY?.trim();
  if (Boolean(cert) !== Boolean(key)) {
    throw new UsageError(
      "--tls-cert and --tls-key go together (or ISA_TLS_CERT and ISA_TLS_KEY): give both for TLS, or neither",
    );
  }
  const ca = file(flags.tlsCa, "--tls-ca") ?? env.ISA_TLS_CA?.trim();
  if (cert && key) {
    settings.ISA_TLS_CERT = cert;
    settings.ISA_TLS_KEY = key;
    settings.ISA_TLS_CA = ca || cert;
  } else if (flags.tlsCa !== undefined && ca) {
    settings.ISA_TLS_CA = ca;
  }
  if (!env.ISA_ACCESS_LOG?.trim()) settings.ISA_ACCESS_LOG = join(dataDir, "logs", "access.log");
  return {
    env: settings,
    ...(settings.ISA_TLS_CA && !settings.ISA_TLS_CA.startsWith("-----")
      ? { caFile: settings.ISA_TLS_CA }
      : {}),
  };
}
