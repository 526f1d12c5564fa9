import { throwIfAborted } from "abort-controller-x";

/**
 * Runs `task` over `items` with at most `concurrency` in flight, results in
 * input order. The first failure (or the caller's abort) aborts the signal every
 * task got, so in-flight work stops early; the call settles only after every
 * started task has, so the caller's cleanup never races a straggler.
 */
export async function runBounded<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, signal: AbortSignal) => Promise<R>,
  signal?: AbortSignal,
): Promise<R[]> {
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  }
  if (signal) throwIfAborted(signal);
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  signal?.addEventListener("abort", onAbort);
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && failure === undefined) {
      const index = next++;
      try {
        results[index] = await task(items[index] as T, controller.signal);
      } catch (error) {
        failure ??= { error };
        controller.abort();
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
  if (failure !== undefined) throw failure.error;
  // Aborted between tasks: nothing failed, but not everything ran.
  if (signal) throwIfAborted(signal);
  return results;
}
