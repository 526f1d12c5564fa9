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
});
