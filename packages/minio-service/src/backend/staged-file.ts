import { createHash, randomUUID } from "node:crypto";
import { constants } from "node:fs";
import { type FileHandle, open, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { WORKER_MIN_BYTES, type WorkerWrite, workerWrite } from "./write-worker.js";

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

export interface StageOptions {
  /** The file's name is this plus a random UUID. Default "". */
  namePrefix?: string;
  /**
   * false: the body is not hashed, for callers that know its ETag otherwise (a multipart
   * object's is made of its parts'): MD5 costs about 1.2 s of CPU per GiB. Default true.
   */
  md5?: boolean;
}

/** A staged body, its size, and its hex MD5 unless `md5: false` was asked. */
export type StagedBody = StagedFile & { size: number; md5: string };

/**
 * Writes `body` to a new file in `dir` (named `namePrefix` + a random UUID) with its MD5,
 * then fsyncs. Once the body reaches `WORKER_MIN_BYTES`, the write worker
 * (`write-worker.ts`) takes its chunks, hashing and writing them in its thread
 * while this thread receives the next: a chunk that is its buffer's only view (a gRPC
 * message's bytes, an HTTP socket read) is transferred, not copied, so the body hands its
 * chunks over: it must neither reuse nor read a chunk once it has yielded it. It is read
 * on only while a few MiB wait for the disk (the worker's bound), so the transport's flow
 * control still bounds memory. A shorter body is hashed and written here when it ends.
 * When the body or the disk fails, the file is removed (once no write of it runs) and the
 * error rethrown.
 */
export async function stageBody(
  dir: string,
  body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options?: StageOptions & { md5?: true },
): Promise<StagedBody>;
export async function stageBody(
  dir: string,
  body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: StageOptions & { md5: false },
): Promise<StagedFile & { size: number }>;
export async function stageBody(
  dir: string,
  body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  { namePrefix = "", md5: hashed = true }: StageOptions = {},
): Promise<StagedFile & { size: number; md5?: string }> {
  const path = join(dir, `${namePrefix}${randomUUID()}`);
  let size = 0;
  const file = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
  let kept: Uint8Array[] = [];
  let writer: WorkerWrite | undefined;
  let md5: string | undefined;
  try {
    for await (const chunk of body) {
      size += chunk.byteLength; // before the chunk is handed over
      if (writer) {
        writer.push(chunk);
        await writer.room();
        continue;
      }
      kept.push(chunk);
      if (size < WORKER_MIN_BYTES) continue;
      writer = workerWrite(file.fd, hashed);
      for (const early of kept) writer.push(early);
      kept = [];
      await writer.room();
    }
    if (writer) md5 = await writer.end();
    else {
      if (hashed) {
        const hash = createHash("md5");
        for (const chunk of kept) hash.update(chunk);
        md5 = hash.digest("hex");
      }
      await writeAll(file, kept);
    }
    await file.sync();
  } catch (err) {
    await writer?.cancel(); // no write may still be running on the closed descriptor
    await file.close().catch(() => {});
    await unlink(path).catch(() => {});
    throw err;
  }
  await file.close();
  return { ...stagedFile(path), size, md5 };
}

/** Writes all of `buffers` at the file's position, however many calls it takes. */
async function writeAll(file: FileHandle, buffers: Uint8Array[]): Promise<void> {
  let rest = buffers;
  while (rest.length > 0) {
    let { bytesWritten } = await file.writev(rest);
    let done = 0;
    for (const buffer of rest) {
      if (bytesWritten < buffer.byteLength) break;
      bytesWritten -= buffer.byteLength;
      done++;
    }
    const [partial, ...after] = rest.slice(done);
    rest = partial ? [partial.subarray(bytesWritten), ...after] : [];
  }
}
