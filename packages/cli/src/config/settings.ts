import { resolve } from "node:path";
import { signToken } from "@isa-cloud/rpc-server";
import { type CliIo, DEFAULT_DEV_USER, signingSecretOf, UsageError } from "../context.js";
import { type ConfigFile, configPath, type Profile, readConfig } from "./config-file.js";

/** The flags every client command takes (see withClientOptions). */
export interface ClientFlags {
  profile?: string;
  storage?: string;
  analytics?: string;
  api?: string;
  token?: string;
  user?: string;
  dataDir?: string;
  quiet?: boolean;
  /** false with --no-progress. */
  progress?: boolean;
}

/** A value and where it came from, for `isa config show` and for error messages. */
export interface Setting {
  value: string | undefined;
  source: string;
}

export interface Settings {
  configPath: string;
  /** The profile in use, or undefined when there is none (built-in defaults). */
  profile: string | undefined;
  profileSource: string;
  storage: Setting;
  analytics: Setting;
  api: Setting;
  /** A token given as is; when undefined, one is minted for `user`. */
  token: Setting;
  user: Setting;
  dataDir: Setting;
  bucket: Setting;
  /** Lines to print on stderr: an environment variable that another setting overrode, or the reverse. */
  warnings: string[];
}

export const DEFAULTS = {
  storage: "127.0.0.1:50051",
  analytics: "127.0.0.1:50052",
  api: "http://127.0.0.1:8080",
  bucket: "data",
} as const;

/** The profile `local` that `isa start` writes. */
export const LOCAL_PROFILE = "local";

function hostPort(host: string | undefined, port: string | undefined): string | undefined {
  if (!host && !port) return undefined;
  const h = host && host !== "0.0.0.0" && host !== "::" ? host : "127.0.0.1";
  return `${h.includes(":") && !h.startsWith("[") ? `[${h}]` : h}:${port ?? ""}`;
}

/**
 * Resolves every setting of a client command: flags, then environment variables, then
 * the profile (--profile, ISA_PROFILE, the config's current profile, else `local` when
 * it exists), then built-in defaults.
 */
export async function resolveSettings(io: CliIo, flags: ClientFlags): Promise<Settings> {
  const config = await readConfig(io);
  let path: string;
  try {
    path = configPath(io);
  } catch (err) {
    path = `none (${(err as Error).message})`;
  }
  const { name, source: profileSource } = chooseProfile(config, flags, io, path);
  const profile: Profile = name ? (config.profiles[name] ?? {}) : {};
  const warnings: string[] = [];
  const fromProfile = `profile ${name}`;

  const pick = (
    key: keyof Profile,
    flag: { name: string; value: string | undefined },
    env: { name: string; value: string | undefined } | undefined,
    fallback?: string,
  ): Setting => {
    if (flag.value !== undefined) {
      if (env?.value !== undefined && env.value !== flag.value) {
        warnings.push(`${flag.name} ${flag.value} overrides ${env.name}=${env.value}`);
      }
      return { value: flag.value, source: `flag ${flag.name}` };
    }
    if (env?.value !== undefined) {
      const inProfile = profile[key];
      if (inProfile !== undefined && inProfile !== env.value) {
        warnings.push(
          `${env.name}=${key === "token" ? "<token>" : env.value} overrides ${key} of ${fromProfile} (${key === "token" ? "<token>" : inProfile})`,
        );
      }
      return { value: env.value, source: `env ${env.name}` };
    }
    if (profile[key] !== undefined) return { value: profile[key], source: fromProfile };
    return { value: fallback, source: "default" };
  };

  const envAddress = (exact: string, hostVar: string, portVar: string) => {
    if (io.env[exact]) return { name: exact, value: io.env[exact] };
    const joined = hostPort(io.env[hostVar], io.env[portVar]);
    return joined && io.env[portVar] ? { name: `${hostVar}/${portVar}`, value: joined } : undefined;
  };

  const storage = pick(
    "storage",
    { name: "--storage", value: flags.storage },
    envAddress("ISA_STORAGE_ADDRESS", "MINIO_GRPC_HOST", "MINIO_GRPC_PORT"),
    DEFAULTS.storage,
  );
  const analytics = pick(
    "analytics",
    { name: "--analytics", value: flags.analytics },
    envAddress("ISA_ANALYTICS_ADDRESS", "DUCKDB_GRPC_HOST", "DUCKDB_GRPC_PORT"),
    DEFAULTS.analytics,
  );
  const api = pick(
    "api",
    { name: "--api", value: flags.api },
    io.env.ISA_API_URL ? { name: "ISA_API_URL", value: io.env.ISA_API_URL } : undefined,
    DEFAULTS.api,
  );

  // Identity: --token, then --user (a minted token: the flag names who to act as, so it
  // beats a token from the environment, and says so), then ISA_TOKEN, then the profile.
  let token: Setting;
  const envToken = io.env.ISA_TOKEN || undefined;
  if (flags.token !== undefined) {
    if (envToken && envToken !== flags.token) warnings.push("--token overrides ISA_TOKEN");
    token = { value: flags.token, source: "flag --token" };
  } else if (flags.user !== undefined) {
    if (envToken)
      warnings.push(`--user ${flags.user} overrides ISA_TOKEN (minting a token for ${flags.user})`);
    token = { value: undefined, source: `minted for --user ${flags.user}` };
  } else if (envToken) {
    token = { value: envToken, source: "env ISA_TOKEN" };
  } else if (profile.token !== undefined) {
    token = { value: profile.token, source: fromProfile };
  } else {
    token = { value: undefined, source: "minted with the stack's secret" };
  }
  const user = pick("user", { name: "--user", value: flags.user }, undefined, DEFAULT_DEV_USER);
  const dataDir = pick(
    "dataDir",
    { name: "--data-dir", value: flags.dataDir },
    io.env.ISA_DATA_DIR ? { name: "ISA_DATA_DIR", value: io.env.ISA_DATA_DIR } : undefined,
    "data",
  );
  if (dataDir.value !== undefined && dataDir.source !== fromProfile) {
    dataDir.value = resolve(io.cwd, dataDir.value);
  }
  const bucket = pick("bucket", { name: "--bucket", value: undefined }, undefined, DEFAULTS.bucket);

  return {
    configPath: path,
    profile: name,
    profileSource,
    storage,
    analytics,
    api,
    token,
    user,
    dataDir,
    bucket,
    warnings,
  };
}

function chooseProfile(
  config: ConfigFile,
  flags: ClientFlags,
  io: CliIo,
  path: string,
): { name: string | undefined; source: string } {
  const asked = flags.profile
    ? { name: flags.profile, source: "flag --profile" }
    : io.env.ISA_PROFILE
      ? { name: io.env.ISA_PROFILE, source: "env ISA_PROFILE" }
      : undefined;
  if (asked) {
    if (!config.profiles[asked.name]) {
      const known = Object.keys(config.profiles);
      throw new UsageError(
        `no profile "${asked.name}" (${asked.source}) in ${path}${known.length ? `; profiles: ${known.join(", ")}` : ""}. Create it with \`isa login --profile ${asked.name} ...\``,
      );
    }
    return asked;
  }
  if (config.current && config.profiles[config.current]) {
    return { name: config.current, source: `current profile in ${path}` };
  }
  return { name: undefined, source: "none (built-in defaults)" };
}

/** The bearer token the settings say: given, or minted for the user with the stack's secret. */
export async function tokenFor(io: CliIo, settings: Settings): Promise<string> {
  if (settings.token.value) return settings.token.value;
  const secret = await signingSecretOf(io, settings.dataDir.value);
  return signToken({ secret, sub: settings.user.value ?? DEFAULT_DEV_USER, expiresIn: "1h" });
}

/** The user a token acts for (its `sub`), read without checking: the service checks it. */
export function subjectOf(token: string): string {
  const payload = token.split(".")[1];
  try {
    const sub = (
      JSON.parse(Buffer.from(payload ?? "", "base64url").toString("utf8")) as { sub?: unknown }
    ).sub;
    if (typeof sub === "string" && sub) return sub;
  } catch {
    // Fall through to the message below.
  }
  throw new UsageError(
    "the token is not a JWT with a subject (sub): check --token, ISA_TOKEN or the profile's token",
  );
}
