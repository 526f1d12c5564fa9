import type { ProgressReporter } from "../progress.js";

/** One file's worth of work in a multi-file operation. */
export interface Job {
  /** What the summary and the failure list call it, e.g. "a.csv -> isa://data/a.csv". */
  label: string;
  bytes: number;
  run(advance: (bytes: number) => void, signal: AbortSignal): Promise<void>;
}

export interface JobsResult {
  done: number;
  bytes: number;
  failed: Array<{ label: string; error: string }>;
  ms: number;
}

/**
 * Runs `jobs` (an iterable that may still be discovering work, e.g. a listing) with at
 * most `concurrency` in flight, reporting to one progress bar. A failed job is recorded
 * and the rest go on; aborting `signal` (Ctrl-C) stops starting new ones and cancels
 * those in flight, and the whole call rejects with the abort.
 */
export async function runJobs(
  jobs: AsyncIterable<Job> | Iterable<Job>,
  options: { concurrency: number; progress: ProgressReporter; signal?: AbortSignal },
): Promise<JobsResult> {
  const started = performance.now();
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const result: JobsResult = { done: 0, bytes: 0, failed: [], ms: 0 };
  const inFlight = new Set<Promise<void>>();
  try {
    for await (const job of jobs) {
      if (controller.signal.aborted) break;
      options.progress.grow(job.bytes, 1);
      const task = job
        .run((bytes) => {
          result.bytes += bytes;
          options.progress.advance(bytes);
        }, controller.signal)
        .then(
          () => {
            result.done += 1;
            options.progress.fileDone();
          },
          (err: unknown) => {
            if (!controller.signal.aborted) {
              result.failed.push({ label: job.label, error: describe(err) });
            }
          },
        )
        .finally(() => inFlight.delete(task));
      inFlight.add(task);
      if (inFlight.size >= options.concurrency) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  } catch (err) {
    // The work list itself failed (e.g. a listing): stop what is in flight, then report.
    controller.abort(err);
    await Promise.allSettled(inFlight);
    throw err;
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    if (controller.signal.aborted) await Promise.allSettled(inFlight);
    options.progress.stop();
  }
  if (controller.signal.aborted) throw controller.signal.reason ?? new Error("interrupted");
  result.ms = performance.now() - started;
  return result;
}

function describe(err: unknown): string {
  if (err && typeof err === "object" && "details" in err && typeof err.details === "string") {
    return `${(err as { name?: string }).name}: ${err.details}`;
  }
  return err instanceof Error ? err.message : String(err);
}
