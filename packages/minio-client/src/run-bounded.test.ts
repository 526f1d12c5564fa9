import { isAbortError } from "abort-controller-x";
import { describe, expect, it } from "vitest";
import { runBounded } from "./run-bounded.js";

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe("runBounded", () => {
  it("returns results in input order and never runs more than `concurrency` at once", async () => {
    let running = 0;
    let peak = 0;
    const results = await runBounded([5, 1, 4, 2, 3], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, n));
      running--;
      return n * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });

  it("aborts the tasks in flight on the first failure and rethrows that failure after all settle", async () => {
    const settled: number[] = [];
    const gate = deferred();
    const run = runBounded([1, 2, 3, 4], 2, async (n, signal) => {
      try {
        if (n === 2) {
          await gate.promise;
          throw new Error("part 2 failed");
        }
        await new Promise<void>((_, reject) =>
          signal.addEventListener("abort", () => reject(new Error("aborted"))),
        );
      } finally {
        settled.push(n);
      }
    });
    gate.resolve();
    await expect(run).rejects.toThrow("part 2 failed");
    // Task 1 was stopped by the abort; 3 and 4 were never started.
    expect(settled.sort()).toEqual([1, 2]);
  });

  it("stops with an abort error when the caller's signal fires", async () => {
    const controller = new AbortController();
    const run = runBounded(
      [1, 2, 3],
      1,
      async (n, signal) => {
        if (n === 2) controller.abort();
        if (signal.aborted) throw new Error("stopped");
        return n;
      },
      controller.signal,
    );
    await expect(run).rejects.toThrow("stopped");
    const aborted = new AbortController();
    aborted.abort();
    const error = await runBounded([1], 1, async (n) => n, aborted.signal).catch((e) => e);
    expect(isAbortError(error)).toBe(true);
  });

  it("refuses a concurrency below 1", async () => {
    await expect(runBounded([1], 0, async (n) => n)).rejects.toThrow(RangeError);
  });
});
