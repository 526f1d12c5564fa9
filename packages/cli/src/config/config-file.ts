import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { type CliIo, UsageError } from "../context.js";

/** One named set of endpoints, identity and defaults (`isa login --profile NAME`). */
export interface Profile {
  /** Storage gRPC address, "host:port". */
  storage?: string;
  /** Analytics gRPC address, "host:port". */
  analytics?: string;
  /** HTTP API base URL, for `isa demo`. */
  api?: string;
  /** A bearer token, used as is. */
  token?: string;
  /** Without a token: mint a one-hour dev token for this user with the stack's secret. */
  user?: string;
  /** Where the stack's `.isa-secret` is, for minting (what `isa start --data-dir` used). */
  dataDir?: string;
  /** Bucket of `isa upload`/`download` and of `isa import`/`export` to storage. Default "data". */
  bucket?: string;
}

export const PROFILE_KEYS = [
  "storage",
  "analytics",
  "api",
  "token",
  "user",
  "dataDir",
  "bucket",
] as const satisfies ReadonlyArray<keyof Profile>;

export interface ConfigFile {
  /** The profile used when neither --profile nor ISA_PROFILE says. */
  current?: string;
  profiles: Record<string, Profile>;
}

/** `$XDG_CONFIG_HOME/isa/config.json`, else `~/.config/isa/config.json` (XDG base directories). */
export function configPath(io: CliIo): string {
  return join(configHome(io), "isa", "config.json");
}

function configHome(io: CliIo): string {
  const xdg = io.env.XDG_CONFIG_HOME;
  // The spec ignores a relative XDG_CONFIG_HOME.
  if (xdg?.startsWith("/")) return xdg;
  if (!io.env.HOME) {
    throw new UsageError(
      "neither XDG_CONFIG_HOME nor HOME is set: set one so isa can keep its config",
    );
  }
  return join(io.env.HOME, ".config");
}

/** `$XDG_STATE_HOME/isa`, else `~/.local/state/isa`: the SQL shell's history. */
export function stateDir(io: CliIo): string {
  const xdg = io.env.XDG_STATE_HOME;
  if (xdg?.startsWith("/")) return join(xdg, "isa");
  return join(io.env.HOME ?? configHome(io), ".local", "state", "isa");
}

/** Reads the config; none (no HOME, no XDG_CONFIG_HOME, no file) is an empty one. */
export async function readConfig(io: CliIo): Promise<ConfigFile> {
  let path: string;
  try {
    path = configPath(io);
  } catch {
    return { profiles: {} };
  }
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { profiles: {} };
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as ConfigFile;
    if (typeof parsed !== "object" || parsed === null || typeof parsed.profiles !== "object") {
      throw new Error("no profiles object");
    }
    return parsed;
  } catch (err) {
    throw new UsageError(
      `${path} is not a valid isa config (${(err as Error).message}): fix it, or remove it and run \`isa login\` again`,
    );
  }
}

/**
 * Writes the whole file through a temporary file renamed into place, mode 0600 (it may
 * hold tokens): a crash mid-write leaves the old config, never half a file.
 */
export async function writeConfig(io: CliIo, config: ConfigFile): Promise<string> {
  const path = configPath(io);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    await chmod(temporary, 0o600);
    await rename(temporary, path);
  } catch (err) {
    await rm(temporary, { force: true });
    throw err;
  }
  return path;
}

/** Merges `changes` into profile `name` (created when missing); undefined values remove keys. */
export async function updateProfile(
  io: CliIo,
  name: string,
  changes: Partial<Record<keyof Profile, string | undefined>>,
  options: { makeCurrent?: boolean } = {},
): Promise<string> {
  checkProfileName(name);
  const config = await readConfig(io);
  const profile: Profile = { ...config.profiles[name] };
  for (const [key, value] of Object.entries(changes) as Array<
    [keyof Profile, string | undefined]
  >) {
    if (value === undefined) delete profile[key];
    else profile[key] = value;
  }
  config.profiles[name] = profile;
  if (options.makeCurrent || config.current === undefined) config.current = name;
  return writeConfig(io, config);
}

export function checkProfileName(name: string): void {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
    throw new UsageError(`a profile name is 1-64 letters, digits, ".", "_" or "-"; got "${name}"`);
  }
}
