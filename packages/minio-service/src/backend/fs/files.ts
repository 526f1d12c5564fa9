import { open, readFile, rm } from "node:fs/promises";
import { stageBody } from "../staged-file.js";

/** Writes JSON through a staged file in `tmpDir`: readers see the old or the new file, never a part. */
export async function writeJsonAtomic(tmpDir: string, path: string, value: unknown): Promise<void> {
  const staged = await stageBody(tmpDir, [Buffer.from(JSON.stringify(value))]);
  await staged.moveTo(path);
}

/**
 * fsyncs a file or directory: for a directory, that makes the renames into it durable.
 * `r+` for a file written by someone else (a copy), where some systems want write access.
 */
export async function fsyncPath(path: string, flags: "r" | "r+" = "r"): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Parsed JSON, or undefined when the file (or a directory above it) does not exist. */
export async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as T;
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

export function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/** A `.catch` for removals: a file that is gone already is fine. */
export function ignoreMissing(err: unknown): void {
  if (!isMissing(err)) throw err;
}

export function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

export async function removeTree(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true, maxRetries: 3 });
}
