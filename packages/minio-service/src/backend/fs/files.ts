import { createHash, randomUUID } from "node:crypto";
import { constants } from "node:fs";
import { type FileHandle, open, readFile, rename, rm, unlink } from "node:fs/promises";
import { join } from "node:path";

/** Writes a body to a new file, awaiting every write (so the producer is paced by the disk), then fsyncs. */
export async function writeBodyToFile(
  path: string,
  body: AsyncIterable<Uint8Array>,
): Promise<{ size: number; md5: string }> {
  const hash = createHash("md5");
  let size = 0;
  const file = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
  try {
    for await (const chunk of body) {
      // The write runs on the thread pool while this thread hashes the same bytes.
      const writing = writeAll(file, chunk);
      hash.update(chunk);
      await writing;
      size += chunk.byteLength;
    }
    await file.sync();
  } catch (err) {
    await file.close().catch(() => {});
    await unlink(path).catch(() => {});
    throw err;
  }
  await file.close();
  return { size, md5: hash.digest("hex") };
}

async function writeAll(file: FileHandle, chunk: Uint8Array): Promise<void> {
  for (let written = 0; written < chunk.byteLength; ) {
    const { bytesWritten } = await file.write(chunk, written, chunk.byteLength - written);
    written += bytesWritten;
  }
}

/** Writes JSON through a temp file in `tmpDir`, fsync, rename: readers see the old or the new file, never a part. */
export async function writeJsonAtomic(tmpDir: string, path: string, value: unknown): Promise<void> {
  const tmp = join(tmpDir, `${randomUUID()}.json`);
  const file = await open(tmp, "wx", 0o644);
  try {
    await file.writeFile(JSON.stringify(value));
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
}

/** Makes renames into `dir` durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
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

export function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

export async function removeTree(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true, maxRetries: 3 });
}
