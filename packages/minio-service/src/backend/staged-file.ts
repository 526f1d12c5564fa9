import { createHash, randomUUID } from "node:crypto";
import { constants } from "node:fs";
import { type FileHandle, open, rename, unlink } from "node:fs/promises";
import { join } from "node:path";

/**
 * A complete, fsynced file under a temporary name, waiting to be moved into place (so
 * readers see the old file or the new one, never a part) or dropped. Whoever holds one
 * moves it or discards it; a failed move discards it.
 */
export interface StagedFile {
  readonly path: string;
  /** Renames it to `dest`, on the same filesystem; when that fails it is removed. */
  moveTo(dest: string): Promise<void>;
  /** Removes it; one that is gone already is fine. */
  discard(): Promise<void>;
}

/** A file already written to `path`, as a StagedFile. */
export function stagedFile(path: string): StagedFile {
  const discard = () => unlink(path).catch(() => {});
  return {
    path,
    discard,
    async moveTo(dest) {
      try {
        await rename(path, dest);
      } catch (err) {
        await discard();
        throw err;
      }
    },
  };
}

/**
 * Writes `body` to a new file in `dir` (named `namePrefix` + a random UUID), awaiting every
 * write so that the producer is paced by the disk, hashing the bytes on the way, then
 * fsyncs. When the body or the disk fails, the file is removed and the error rethrown.
 */
export async function stageBody(
  dir: string,
  body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  namePrefix = "",
): Promise<StagedFile & { size: number; md5: string }> {
  const path = join(dir, `${namePrefix}${randomUUID()}`);
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
  return { ...stagedFile(path), size, md5: hash.digest("hex") };
}

async function writeAll(file: FileHandle, chunk: Uint8Array): Promise<void> {
  for (let written = 0; written < chunk.byteLength; ) {
    const { bytesWritten } = await file.write(chunk, written, chunk.byteLength - written);
    written += bytesWritten;
  }
}
