import { describe, expect, it } from "vitest";
import { ResultCache, resultKey } from "./result-cache.js";

describe("ResultCache", () => {
  it("serves a result only at the version it was read at", () => {
    const cache = new ResultCache();
    const key = resultKey("alice", "db", "op");
    cache.set(key, "v1", { n: 1 });
    expect(cache.get(key, "v1")).toEqual({ n: 1 });
    expect(cache.get(key, "v2")).toBeUndefined();
    expect(cache.get(key, undefined)).toBeUndefined();
  });

  it("keeps nothing without a version", () => {
    const cache = new ResultCache();
    expect(cache.set("k", undefined, { n: 1 })).toEqual({ n: 1 });
    expect(cache.size).toBe(0);
  });

  it("keys callers and databases apart", () => {
    expect(resultKey("alice", "db", "op")).not.toBe(resultKey("bob", "db", "op"));
    expect(resultKey("a", "b,c", "op")).not.toBe(resultKey("a,b", "c", "op"));
  });

  it("freezes what it keeps, since callers of one key share it", () => {
    const cache = new ResultCache();
    const value = cache.set("k", "v", { events: [{ count: 1 }] });
    expect(Object.isFrozen(value.events[0])).toBe(true);
  });

  it("evicts the least recently used beyond its entry and byte caps", () => {
    const byEntries = new ResultCache({ maxEntries: 2 });
    byEntries.set("a", "v", 1);
    byEntries.set("b", "v", 2);
    byEntries.get("a", "v");
    byEntries.set("c", "v", 3);
    expect([byEntries.get("a", "v"), byEntries.get("b", "v"), byEntries.get("c", "v")]).toEqual([
      1,
      undefined,
      3,
    ]);
    const byBytes = new ResultCache({ maxBytes: 1000 });
    for (let i = 0; i < 20; i++) byBytes.set(`k${i}`, "v", "x".repeat(100));
    expect(byBytes.bytes).toBeLessThanOrEqual(1000);
    expect(byBytes.size).toBeLessThan(20);
    expect(byBytes.get("k19", "v")).toBe("x".repeat(100));
  });

  it("keeps no result larger than its byte cap", () => {
    const cache = new ResultCache({ maxBytes: 100 });
    expect(cache.set("k", "v", "x".repeat(200))).toBe("x".repeat(200));
    expect(cache.get("k", "v")).toBeUndefined();
    expect(cache.bytes).toBe(0);
  });
});

describe("ResultCache.getOrRun", () => {
  /** A run the test finishes by hand, counting how often it was started. */
  function manualRun<T>() {
    const runs: { resolve(v: T): void; reject(e: Error): void }[] = [];
    const run = () =>
      new Promise<T>((resolve, reject) => {
        runs.push({ resolve, reject });
      });
    return { runs, run };
  }

  it("runs once for every caller of one key and version while that run is in flight", async () => {
    const cache = new ResultCache();
    const { runs, run } = manualRun<{ n: number }>();
    const callers = Array.from({ length: 64 }, () => cache.getOrRun("k", "v1", run));
    expect(runs).toHaveLength(1);
    runs[0]?.resolve({ n: 1 });
    const answers = await Promise.all(callers);
    expect(new Set(answers).size).toBe(1);
    expect(answers[0]).toEqual({ n: 1 });
    // Kept: a caller after it is answered without a run.
    expect(await cache.getOrRun("k", "v1", run)).toBe(answers[0]);
    expect(runs).toHaveLength(1);
  });

  it("runs anew for a caller who saw another version, even while an older run is in flight", async () => {
    const cache = new ResultCache();
    const { runs, run } = manualRun<string>();
    const older = cache.getOrRun("k", "v1", run);
    const newer = cache.getOrRun("k", "v2", run);
    expect(runs).toHaveLength(2);
    runs[0]?.resolve("before the write");
    runs[1]?.resolve("after the write");
    expect([await older, await newer]).toEqual(["before the write", "after the write"]);
  });

  it("runs every time, unshared, when there is no version", async () => {
    const cache = new ResultCache();
    const { runs, run } = manualRun<string>();
    const a = cache.getOrRun("k", undefined, run);
    const b = cache.getOrRun("k", undefined, run);
    expect(runs).toHaveLength(2);
    runs[0]?.resolve("a");
    runs[1]?.resolve("b");
    expect([await a, await b]).toEqual(["a", "b"]);
    expect(cache.size).toBe(0);
  });

  it("fails those who shared a failed run, keeps nothing, and runs again for the next", async () => {
    const cache = new ResultCache();
    const { runs, run } = manualRun<string>();
    const callers = [cache.getOrRun("k", "v", run), cache.getOrRun("k", "v", run)];
    runs[0]?.reject(new Error("no events imported yet"));
    for (const caller of callers) await expect(caller).rejects.toThrow("no events");
    const next = cache.getOrRun("k", "v", run);
    expect(runs).toHaveLength(2);
    runs[1]?.resolve("ok");
    expect(await next).toBe("ok");
  });

  it("keeps callers of different keys apart while both run", async () => {
    const cache = new ResultCache();
    const { runs, run } = manualRun<string>();
    const alice = cache.getOrRun(resultKey("alice", "db", "op"), "v", run);
    const bob = cache.getOrRun(resultKey("bob", "db", "op"), "v", run);
    expect(runs).toHaveLength(2);
    runs[0]?.resolve("alice's");
    runs[1]?.resolve("bob's");
    expect([await alice, await bob]).toEqual(["alice's", "bob's"]);
  });
});
