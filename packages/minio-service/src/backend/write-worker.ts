import { Worker } from "node:worker_threads";

/**
 * A body shorter than this is hashed and written by the calling thread when it ends:
 * below it the worker would save under 0.5 ms of this thread per body but cost more CPU
 * in all (its messages). Measured: see Atomic writes in the README's Design.
 */
export const WORKER_MIN_BYTES = 1024 * 1024;
/** Chunks are gathered until this many bytes, then posted to the worker in one message. */
const BATCH_BYTES = 1024 * 1024;
/**
 * `room()` waits while a body has more bytes than this posted and not yet written. With
 * the transport's own buffers, this bounds what one upload holds.
 */
const MAX_IN_FLIGHT_BYTES = 4 * 1024 * 1024;
/**
 * A chunk that runs to the end of its ArrayBuffer and starts at most this far into it is
 * taken as that buffer's only view and transferred: a gRPC message's buffer holds its
 * 5-byte frame header and the protobuf tag and length before the bytes; an HTTP body's
 * socket reads are buffers of their own. Anything else (a slice of a pooled buffer) is
 * copied. Running to the end matters: a slice before it (a chunked body's previous chunk
 * in the same socket read) came earlier and was copied already, while one after it would
 * read as empty once the buffer was gone.
 */
const MAX_HEADER_BYTES = 64;
/**
 * Smaller chunks are copied: as cheap as a transfer, and no two chunks of one buffer can
 * then pass for its only view.
 */
const MIN_TRANSFER_BYTES = 4096;
/** How long the worker outlives its last job, so back-to-back uploads share one start. */
const IDLE_MS = 2_000;

/**
 * The worker's whole program, CommonJS evaluated from this string rather than loaded from a
 * file: a file next to this one would be `.ts` under the tests and `.js` once built. Per
 * job id it keeps an MD5, the file's descriptor and the position reached. Each batch is
 * hashed, then written by this thread at once, while its bytes are still in this core's
 * cache: a write on the thread pool (another core, and the bytes cold again) cost the
 * pool 1.5-2 s of CPU per GiB in the kernel's copy into the page cache, and uploads were
 * 20-40 % slower (measured side by side). A written batch's buffers are detached at once.
 * `written` says a batch's bytes are on the file (the poster's credit), `done` answers the
 * end (with the digest or the first failed write) or a cancel; as writes are synchronous,
 * no write of the job runs after either.
 */
const WORKER_SOURCE = `
const { MessageChannel, parentPort } = require("node:worker_threads");
const { createHash } = require("node:crypto");
const { writevSync } = require("node:fs");
// V8 would free a written buffer only when this isolate next collects, which its external
// memory alone sets off every 64 MiB or so (RSS 50-70 MiB higher, measured). Posting it
// through a closed port detaches it (Node serializes a message even for a closed port),
// so its memory is freed at once; the message goes nowhere.
const { port1: drop, port2 } = new MessageChannel();
port2.close();
const jobs = new Map();
function writeFully(fd, parts, position) {
  for (let rest = parts; rest.length > 0; ) {
    const wrote = writevSync(fd, rest, position);
    position += wrote;
    const left = [];
    let skip = wrote;
    for (const part of rest) {
      if (skip >= part.byteLength) skip -= part.byteLength;
      else left.push(part.subarray(skip)), (skip = 0);
    }
    if (wrote === 0 && left.length > 0) throw new Error("the file took no bytes");
    rest = left;
  }
}
parentPort.on("message", ({ id, fd, md5, parts, end, cancel }) => {
  let job = jobs.get(id);
  if (!job) jobs.set(id, (job = { fd, hash: md5 ? createHash("md5") : undefined, position: 0 }));
  if (cancel) {
    jobs.delete(id);
    return parentPort.postMessage({ id, done: true });
  }
  if (parts) {
    let bytes = 0;
    for (const part of parts) bytes += part.byteLength;
    if (!job.error) {
      if (job.hash) for (const part of parts) job.hash.update(part);
      try {
        writeFully(job.fd, parts, job.position);
      } catch (err) {
        job.error = { message: err.message, code: err.code };
      }
      job.position += bytes;
    }
    drop.postMessage(null, parts.map((part) => part.buffer));
    parentPort.postMessage({ id, written: bytes, error: job.error });
  }
  if (end) {
    jobs.delete(id);
    parentPort.postMessage({ id, done: true, error: job.error, md5: job.error || !job.hash ? undefined : job.hash.digest("hex") });
  }
});
`;

/** A large body's bytes, written to a file and hashed by the worker thread. */
export interface WorkerWrite {
  /**
   * Takes the next chunk. A chunk that is its buffer's only view is transferred to the
   * worker (it reads as empty here afterwards); other chunks are copied.
   */
  push(chunk: Uint8Array): void;
  /** Waits while too many bytes wait for the disk; throws a failed write's error. */
  room(): Promise<void>;
  /** Once everything taken is written (not yet fsynced): the body's hex MD5, if hashed. */
  end(): Promise<string | undefined>;
  /** Drops the job; resolves once no write of it runs, so the file may be closed. */
  cancel(): Promise<void>;
}

interface Job {
  /** Bytes posted and not yet written. */
  inFlight: number;
  /** Settles the pending `room()`, `end()` or `cancel()` wait. */
  wake?: () => void;
  /** The worker sent `done` (or exited): nothing of this job runs any more. */
  settled: boolean;
  md5?: string;
  failure?: { error: unknown };
}

/**
 * The one writing thread of the process, shared by every large body (a job id each),
 * started by the first and stopped `IDLE_MS` after the last job: unref'd, so it never
 * keeps the process alive. Hashing and writing take it 1.5-4 s per GiB (MD5 1.2 s, the
 * kernel's copy into the page cache 0.3-2.4 s: less when the host has the pages backed
 * already), so on the 2-core machines this service runs on, one worker is what paces an
 * upload, and concurrent uploads share it as they share the cores.
 */
interface Pool {
  worker: Worker;
  jobs: Map<number, Job>;
  idle?: NodeJS.Timeout;
  /** Why the worker failed, once it has: the jobs fail with it when it has exited. */
  failure?: { error: unknown };
}
let pool: Pool | undefined;
let nextId = 0;

function startPool(): Pool {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    // Its heap holds a few hash objects and messages; the bytes are outside it.
    resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 },
  });
  worker.unref();
  const started: Pool = { worker, jobs: new Map() };
  worker.on(
    "message",
    (msg: {
      id: number;
      written?: number;
      done?: true;
      md5?: string;
      error?: { message: string; code?: string };
    }) => {
      const job = started.jobs.get(msg.id);
      if (!job) return;
      if (msg.written !== undefined) job.inFlight -= msg.written;
      if (msg.error)
        job.failure ??= {
          error: Object.assign(new Error(msg.error.message), { code: msg.error.code }),
        };
      if (msg.done) {
        job.settled = true;
        job.md5 = msg.md5;
        release(started, msg.id);
      }
      job.wake?.();
    },
  );
  worker.on("error", (error) => {
    started.failure ??= { error };
  });
  // Only once it has exited (its writes are synchronous, so none runs any more) may the
  // files of its jobs be closed.
  worker.on("exit", (code) => {
    if (pool === started) pool = undefined;
    const error = started.failure?.error ?? new Error(`the write worker exited with code ${code}`);
    for (const job of started.jobs.values()) {
      job.failure ??= { error };
      job.settled = true;
      job.wake?.();
    }
    started.jobs.clear();
  });
  return started;
}

/** Gives `job` an id in the running worker (started if none runs). */
function admit(job: Job): { owner: Pool; id: number } {
  pool ??= startPool();
  clearTimeout(pool.idle);
  const id = nextId++;
  pool.jobs.set(id, job);
  return { owner: pool, id };
}

function release(owner: Pool, id: number): void {
  if (!owner.jobs.delete(id) || owner.jobs.size > 0) return;
  owner.idle = setTimeout(() => {
    if (pool === owner) pool = undefined;
    void owner.worker.terminate();
  }, IDLE_MS).unref();
}

/** Jobs the write worker holds now: none once every body has ended or failed. */
export function writeWorkerJobs(): number {
  return pool?.jobs.size ?? 0;
}

/** True when `chunk` is the only view of its ArrayBuffer but for a message header. */
function transferable(chunk: Uint8Array): boolean {
  return (
    chunk.byteLength >= MIN_TRANSFER_BYTES &&
    chunk.buffer instanceof ArrayBuffer &&
    chunk.byteOffset <= MAX_HEADER_BYTES &&
    chunk.byteOffset + chunk.byteLength === chunk.buffer.byteLength
  );
}

/**
 * Writes the chunks pushed to it to `fd` from position 0, and hashes them unless `md5` is
 * false, in the worker thread: this thread only hands them over (gathered into batches of
 * `BATCH_BYTES`). The file must stay open until `end()` or `cancel()` has settled.
 */
export function workerWrite(fd: number, md5 = true): WorkerWrite {
  const job: Job = { inFlight: 0, settled: false };
  const { owner, id } = admit(job);
  let parts: Uint8Array[] = [];
  let transfer: ArrayBuffer[] = [];
  let batchBytes = 0;

  function post(end: boolean): void {
    owner.worker.postMessage({ id, fd, md5, parts, end }, transfer);
    job.inFlight += batchBytes;
    parts = [];
    transfer = [];
    batchBytes = 0;
  }
  /** Waits until the worker says something about this job. */
  function news(): Promise<void> {
    return new Promise((resolve) => {
      job.wake = resolve;
    });
  }
  function failed(): void {
    if (job.failure) throw job.failure.error;
  }

  return {
    push(chunk) {
      if (transferable(chunk)) {
        parts.push(chunk);
        transfer.push(chunk.buffer as ArrayBuffer);
      } else {
        const copy = new Uint8Array(chunk); // a buffer of its own, exactly the chunk
        parts.push(copy);
        transfer.push(copy.buffer);
      }
      batchBytes += chunk.byteLength;
      if (batchBytes >= BATCH_BYTES) post(false);
    },
    async room() {
      while (!job.failure && job.inFlight >= MAX_IN_FLIGHT_BYTES) await news();
      failed();
    },
    async end() {
      failed();
      post(true);
      while (!job.settled) await news();
      failed();
      return job.md5;
    },
    async cancel() {
      if (job.settled) return;
      owner.worker.postMessage({ id, cancel: true });
      while (!job.settled) await news();
    },
  };
}
