import { randomUUID } from "node:crypto";
import { constants } from "node:fs";
import { type FileHandle, open, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { md5Stream } from "./md5-worker.js";

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
 * Bytes a body may have waiting for the disk while a write runs; the body is read on only
 * once they are written. Bounds what one upload holds beyond what its transport buffers.
 */
const MAX_WAITING_BYTES = 4 * 1024 * 1024;

/**
 * Writes `body` to a new file in `dir` (named `namePrefix` + a random UUID), hashing the
 * bytes on the way (in the MD5 worker once the body is large, `md5-worker.ts`), then
 * fsyncs. The body is read on while the thread pool writes and the worker hashes: chunks
 * that arrive meanwhile are written together by the next `writev`, so a body of small
 * chunks (an HTTP request's socket reads) costs a few large writes, and the producer is
 * paced by the disk only when `MAX_WAITING_BYTES` wait, so a chunk is kept until written:
 * the body must not reuse a chunk's memory once it has yielded it (gRPC messages, socket
 * reads and `createReadStream` chunks are each fresh). When the body or the disk fails,
 * the file is removed, the hash job dropped and the error rethrown.
 */
export async function stageBody(
  dir: string,
  body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  namePrefix = "",
): Promise<StagedFile & { size: number; md5: string }> {
  const path = join(dir, `${namePrefix}${randomUUID()}`);
  let size = 0;
  const file = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
  const writer = batchingWriter(file, MAX_WAITING_BYTES);
  const hash = md5Stream();
  let md5: string;
  try {
    for await (const chunk of body) {
      writer.push(chunk); // starts a write on the thread pool while the chunk is hashed
      hash.update(chunk);
      size += chunk.byteLength;
      await writer.room();
      await hash.room();
    }
    const digest = hash.digest(); // the worker finishes while the disk does
    digest.catch(() => {}); // awaited below, unless the disk fails first
    await writer.drain();
    await file.sync();
    md5 = await digest;
  } catch (err) {
    hash.cancel();
    await writer.settle(); // no write may still be running on the closed descriptor
    await file.close().catch(() => {});
    await unlink(path).catch(() => {});
    throw err;
  }
  await file.close();
  return { ...stagedFile(path), size, md5 };
}

/**
 * Writes the chunks pushed to it in order, one `writev` at a time of all that waits. A
 * failed write fails it for good.
 */
function batchingWriter(file: FileHandle, maxWaitingBytes: number) {
  let waiting: Uint8Array[] = [];
  let waitingBytes = 0;
  let idle = true;
  let failure: { error: unknown } | undefined;
  let batch: Promise<void> = Promise.resolve();

  async function run(): Promise<void> {
    idle = false;
    try {
      while (waiting.length > 0) {
        const buffers = waiting;
        waiting = [];
        waitingBytes = 0;
        batch = writeAll(file, buffers);
        await batch;
      }
    } catch (error) {
      failure ??= { error };
      waiting = [];
      waitingBytes = 0;
    } finally {
      idle = true; // in the same turn as the last look at `waiting`: a push never finds it stale
    }
  }
  /** Resolves when no write runs; never rejects. */
  async function idleNow(): Promise<void> {
    while (!idle) await batch.catch(() => {});
  }
  function rethrow(): void {
    if (failure) throw failure.error;
  }

  return {
    push(chunk: Uint8Array): void {
      rethrow();
      waiting.push(chunk);
      waitingBytes += chunk.byteLength;
      if (idle) void run();
    },
    /** Waits while too many bytes wait; throws a failed write's error. */
    async room(): Promise<void> {
      while (waitingBytes >= maxWaitingBytes && !idle) await batch.catch(() => {});
      rethrow();
    },
    /** Waits until everything pushed is written; throws a failed write's error. */
    async drain(): Promise<void> {
      await idleNow();
      rethrow();
    },
    /** Waits until no write runs, whatever became of them. */
    settle: idleNow,
  };
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
