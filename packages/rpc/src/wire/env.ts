/**
 * Reading configuration from the environment. Every bad value becomes a
 * ConfigError that names the variable and says what would be accepted, so a
 * typo in `.env` is fixed from the first line of output instead of surfacing
 * later as "connect ECONNREFUSED undefined:NaN" (the integration guide's
 * `f"{os.getenv('MINIO_GRPC_HOST')}:{os.getenv('MINIO_GRPC_PORT')}"` does just that).
 */
export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(
    /** The environment variable that holds the bad value. */
    readonly variable: string,
    message: string,
  ) {
    super(message);
  }
}

type Env = Record<string, string | undefined>;

function raw(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

/** A TCP port, 0-65535 (0 = pick a free port), default when unset or empty. */
export function readPort(env: Env, name: string, fallback: number): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) {
    throw new ConfigError(name, `${name} must be a port number from 0 to 65535, got "${value}"`);
  }
  return Number(value);
}

/** A host name or IP address without scheme, port or path. */
export function readHost(env: Env, name: string, fallback: string): string {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  // Bracketed or bare IPv6, IPv4 and DNS names; anything with a scheme, port or path is a mistake.
  const ok =
    /^\[?[0-9a-fA-F:.]+\]?$/.test(value) ||
    /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(
      value,
    );
  if (!ok) {
    throw new ConfigError(
      name,
      `${name} must be a host name or IP address (no scheme, port or path), got "${value}"`,
    );
  }
  return value;
}

/** A whole number within [min, max]. */
export function readInteger(
  env: Env,
  name: string,
  fallback: number,
  range: { min?: number; max?: number } = {},
): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  const min = range.min ?? 0;
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  if (!/^-?\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ConfigError(
      name,
      `${name} must be a whole number from ${min} to ${max}, got "${value}"`,
    );
  }
  return Number(value);
}

/** "true"/"false" (also 1/0, yes/no, on/off). */
export function readBoolean(env: Env, name: string, fallback: boolean): boolean {
  const value = raw(env, name)?.toLowerCase();
  if (value === undefined) return fallback;
  if (["true", "1", "yes", "on"].includes(value)) return true;
  if (["false", "0", "no", "off"].includes(value)) return false;
  throw new ConfigError(name, `${name} must be true or false, got "${value}"`);
}

/** One of a fixed set of words. */
export function readChoice<T extends string>(
  env: Env,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) {
    throw new ConfigError(name, `${name} must be one of ${choices.join(", ")}, got "${value}"`);
  }
  return value as T;
}

/** Free text (trimmed), or the fallback when unset or empty. */
export function readString(env: Env, name: string, fallback: string): string;
export function readString(env: Env, name: string): string | undefined;
export function readString(env: Env, name: string, fallback?: string): string | undefined {
  return raw(env, name) ?? fallback;
}
