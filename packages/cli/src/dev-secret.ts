import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Where `isa start` keeps the development signing secret, inside the data directory. */
export function devSecretPath(dataDir: string): string {
  return join(dataDir, ".isa-secret");
}

/**
 * The HS256 secret the local stack signs and verifies tokens with: read from
 * `<dataDir>/.isa-secret`, created on first use (32 random bytes, hex) readable by
 * the owner only. Each checkout gets its own secret instead of the embedded
 * default, so a dev token is only good for the stack that minted it.
 */
export async function ensureDevSecret(
  dataDir: string,
): Promise<{ secret: string; created: boolean }> {
  const path = devSecretPath(dataDir);
  const existing = await readSecret(path);
  if (existing !== undefined) return { secret: existing, created: false };
  await mkdir(dataDir, { recursive: true });
  const secret = randomBytes(32).toString("hex");
  try {
    // "wx": if another `isa` created it meanwhile, use theirs rather than overwrite it.
    await writeFile(path, `${secret}\n`, { mode: 0o600, flag: "wx" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") {
      const theirs = await readSecret(path);
      if (theirs !== undefined) return { secret: theirs, created: false };
    }
    throw err;
  }
  // The umask may have widened the mode given to writeFile.
  await chmod(path, 0o600);
  return { secret, created: true };
}

/** The secret of an existing `<dataDir>/.isa-secret`, or undefined when there is none. */
export async function readDevSecret(dataDir: string): Promise<string | undefined> {
  return readSecret(devSecretPath(dataDir));
}

async function readSecret(path: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  const secret = text.trim();
  if (secret.length < 32) {
    throw new Error(
      `${path} holds no usable secret (fewer than 32 characters); delete it to make a new one`,
    );
  }
  const mode = (await stat(path)).mode & 0o777;
  if (mode & 0o077) {
    throw new Error(
      `${path} is readable by other users (mode ${mode.toString(8)}); run: chmod 600 ${path}`,
    );
  }
  return secret;
}
