import { createHash } from "node:crypto";
import { Worker } from "node:worker_threads";

/**
 * A body shorter than this is hashed on the calling thread when it ends: below it the
 * worker would save under 0.5 ms of this thread per body but cost more CPU in all (its
 * messages) and a 1 MiB slot (measured: see Atomic writes in the README's Design).
 */
export const WORKER_MIN_BYTES = 1024 * 1024;
/** Bytes of one shared slot: a body's chunks are copied into slots that the worker hashes. */
const SLOT_BYTES = 1024 * 1024;
/** `room()` waits while a body has more slots than this posted and not yet hashed. */
const MAX_POSTED_SLOTS = 1;
/** Free slots kept for the next bodies; more are dropped when they come back. */
const MAX_SPARE_SLOTS = 2;
/** How long the worker outlives its last job, so back-to-back uploads share one start. */
const IDLE_MS = 2_000;

/**
 * The worker's whole program, CommonJS evaluated from this string rather than loaded from a
 * file: a file next to this one would be `.ts` under the tests and `.js` once built. It
 * keeps one MD5 per job id and a view of each shared slot, hashes the slots posted in the
 * order posted, says when a slot is free again, and answers `end` with the digest. The
 * bytes live in SharedArrayBuffers, so messages stay a few fields: transferring a 1 MiB
 * ArrayBuffer per batch made both isolates collect garbage for the external memory.
 */
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const { createHash } = require("node:crypto");
const slots = new Map();
const hashes = new Map();
parentPort.on("message", ({ id, slot, sab, drop, length, end, cancel }) => {
  if (sab) return void slots.set(slot, new Uint8Array(sab));
  if (drop !== undefined) return void slots.delete(drop);
  if (cancel) return void hashes.delete(id);
  let hash = hashes.get(id);
  if (!hash) hashes.set(id, (hash = createHash("md5")));
  if (length) {
    hash.update(slots.get(slot).subarray(0, length));
    parentPort.postMessage({ id, slot });
  }
  if (end) {
    hashes.delete(id);
    parentPort.postMessage({ id, md5: hash.digest("hex") });
  }
});
`;

/** MD5 of a body fed to it chunk by chunk, in order. */
export interface Md5Stream {
  /** Takes the next chunk; it is read no later than the next `room()` or `digest()`. */
  update(chunk: Uint8Array): void;
  /** Waits while the worker is behind this body; throws when the worker failed. */
  room(): Promise<void>;
  /** The hex digest of everything taken; nothing may be taken after. */
  digest(): Promise<string>;
  /** Drops the job (a failed body): the worker forgets it. Harmless after `digest()`. */
  cancel(): void;
}

interface Job {
  /** Slots posted and not yet hashed. */
  posted: number;
  /** Settles the pending `room()` or `digest()` wait. */
  wake?: () => void;
  md5?: string;
  failure?: { error: unknown };
}

/**
 * The one hashing thread of the process, shared by every body (a job id each), started by
 * the first large body and stopped `IDLE_MS` after the last job: unref'd, so it never keeps
 * the process alive. One is enough on this service's machines: it hashes at about 0.9 GB/s,
 * faster than one core takes uploads in.
 */
interface Pool {
  worker: Worker;
  jobs: Map<number, Job>;
  /** This side's view of each slot, by number. */
  slots: Map<number, Uint8Array>;
  free: number[];
  idle?: NodeJS.Timeout;
}
let pool: Pool | undefined;
let nextId = 0;
let nextSlot = 0;

function startPool(): Pool {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    // Its heap holds a few hash objects and messages; the bytes are in the shared slots.
    resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 },
  });
  worker.unref();
  const started: Pool = { worker, jobs: new Map(), slots: new Map(), free: [] };
  const failAll = (error: unknown) => {
    if (pool === started) pool = undefined;
    for (const job of started.jobs.values()) {
      job.failure ??= { error };
      job.wake?.();
    }
    started.jobs.clear();
  };
  worker.on("message", ({ id, slot, md5 }: { id: number; slot?: number; md5?: string }) => {
    if (slot !== undefined) freeSlot(started, slot);
    const job = started.jobs.get(id);
    if (!job) return; // cancelled meanwhile
    if (slot !== undefined) job.posted--;
    if (md5 !== undefined) {
      job.md5 = md5;
      release(started, id);
    }
    job.wake?.();
  });
  worker.on("error", failAll);
  worker.on("exit", (code) => failAll(new Error(`the MD5 worker exited with code ${code}`)));
  return started;
}

function takeSlot(owner: Pool): number {
  const free = owner.free.pop();
  if (free !== undefined) return free;
  const slot = nextSlot++;
  const sab = new SharedArrayBuffer(SLOT_BYTES);
  owner.slots.set(slot, new Uint8Array(sab));
  owner.worker.postMessage({ slot, sab });
  return slot;
}

function freeSlot(owner: Pool, slot: number): void {
  if (owner.free.length < MAX_SPARE_SLOTS) return void owner.free.push(slot);
  owner.slots.delete(slot);
  owner.worker.postMessage({ drop: slot });
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

/** Jobs the hashing worker holds now: none once every body has ended or failed. */
export function md5WorkerJobs(): number {
  return pool?.jobs.size ?? 0;
}

/**
 * An MD5 computed off this thread once the body reaches `workerMinBytes`: chunks are
 * copied into 1 MiB shared slots that the worker hashes (a chunk itself may be a slice of
 * a larger pooled buffer, so it cannot be transferred), the main thread going on with the
 * body meanwhile. Until then chunks are only kept, and a body that ends short is hashed
 * here.
 */
export function md5Stream(workerMinBytes = WORKER_MIN_BYTES): Md5Stream {
  let kept: Uint8Array[] = [];
  let keptBytes = 0;
  let job: Job | undefined;
  // The worker this body's job runs in, which stays its own even if a later one replaces it.
  let owner: Pool | undefined;
  let id = -1;
  let slot: number | undefined;
  let filled = 0;

  function post(end: boolean): void {
    if (!owner || !job) return;
    const length = slot === undefined ? 0 : filled;
    if (length > 0) job.posted++;
    owner.worker.postMessage({ id, slot, length, end });
    slot = undefined;
    filled = 0;
  }
  function copy(chunk: Uint8Array): void {
    if (!owner) return;
    for (let at = 0; at < chunk.byteLength; ) {
      slot ??= takeSlot(owner);
      const n = Math.min(chunk.byteLength - at, SLOT_BYTES - filled);
      owner.slots.get(slot)?.set(chunk.subarray(at, at + n), filled);
      filled += n;
      at += n;
      if (filled === SLOT_BYTES) post(false);
    }
  }
  /** Waits until the worker says something about this job. */
  function news(): Promise<void> {
    return new Promise((resolve) => {
      (job as Job).wake = resolve;
    });
  }
  function failed(): void {
    if (job?.failure) throw job.failure.error;
  }

  return {
    update(chunk) {
      if (job) return copy(chunk);
      kept.push(chunk);
      keptBytes += chunk.byteLength;
      if (keptBytes < workerMinBytes) return;
      job = { posted: 0 };
      ({ owner, id } = admit(job));
      for (const early of kept) copy(early);
      kept = [];
    },
    async room() {
      while (job && !job.failure && job.posted > MAX_POSTED_SLOTS) await news();
      failed();
    },
    async digest() {
      if (!job) {
        const hash = createHash("md5");
        for (const chunk of kept) hash.update(chunk);
        return hash.digest("hex");
      }
      failed();
      post(true);
      while (job.md5 === undefined && !job.failure) await news();
      failed();
      return job.md5 as string;
    },
    cancel() {
      if (!job || !owner || job.md5 !== undefined || job.failure) return;
      job.failure = { error: new Error("cancelled") };
      if (slot !== undefined) freeSlot(owner, slot);
      owner.worker.postMessage({ id, cancel: true });
      release(owner, id);
    },
  };
}
