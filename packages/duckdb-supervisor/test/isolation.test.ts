import { ClientError, Status } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Stack } from "./harness.js";

// Small budgets so the runaway round ends quickly on a 2-core machine: a worker is killed
// past 768 MiB, or 1.5 s after a query's 5 s timeout.
let stack: Stack;
beforeAll(async () => {
  stack = await Stack.start({ workers: 2, workerMemoryMiB: 768, graceMs: 1500 });
});
afterAll(async () => {
  await stack?.stop();
});

const RUNAWAYS = [
  "SELECT count(*) FROM range(1000000) a, range(1000000) b",
  "SELECT length(repeat('x', 1000000000))",
  "SELECT max(x) FROM (SELECT range(100000000) x)",
  "SELECT count(*) FROM range(1000000) a, range(1000000) b WHERE a.range + b.range = 7",
];

describe("isolation", () => {
  it("keeps another user's SELECT 1 under a second while one user runs four runaway queries", async () => {
    const x = await stack.client("xavier");
    const y = await stack.client("yolanda");
    await x.createDatabase({ databaseName: "x" });
    await y.createDatabase({ databaseName: "y" });
    await y.executeQuery({ databaseId: "y", query: "SELECT 1" });

    const started = Date.now();
    const runaways = RUNAWAYS.map(async (query) => {
      try {
        await x.executeQuery({ databaseId: "x", query, timeoutSeconds: 5 });
        return { code: "ok" as const, ms: Date.now() - started };
      } catch (err) {
        if (!(err instanceof ClientError)) throw err;
        return { code: err.code, details: err.details, ms: Date.now() - started };
      }
    });
    let done = false;
    const all = Promise.all(runaways).finally(() => {
      done = true;
    });
    const latencies: number[] = [];
    while (!done) {
      const t = performance.now();
      await y.executeQuery({ databaseId: "y", query: "SELECT 1" });
      latencies.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 100));
    }
    const results = await all;

    expect(Math.max(...latencies)).toBeLessThan(1000);
    for (const r of results) {
      expect([Status.DEADLINE_EXCEEDED, Status.RESOURCE_EXHAUSTED]).toContain(r.code);
      // deadline 5 s + grace 1.5 s + slack for a loaded machine
      expect(r.ms).toBeLessThan(15_000);
    }
    const { kills } = stack.supervisor.stats();
    expect(kills.deadline + kills.memory + kills.orphan).toBeGreaterThanOrEqual(1);

    // The service is healthy after: xavier is served again by a fresh worker.
    const again = await x.executeQuery({ databaseId: "x", query: "SELECT 42 AS answer" });
    expect(again.rows[0]?.values[0]?.kind).toEqual({ $case: "intValue", value: 42n });
  }, 60_000);

  it("keeps an acknowledged INSERT across a worker kill", async () => {
    const y = await stack.client("yolanda");
    await y.executeStatement({ databaseId: "y", statement: "CREATE TABLE kept(v TEXT)" });
    await y.executeStatement({ databaseId: "y", statement: "INSERT INTO kept VALUES ('acked')" });
    const before = stack.supervisor.stats();
    const index = await stack.workerOf("user:yolanda");
    const pid = before.workers[index]!.pid!;
    process.kill(pid, "SIGKILL");
    // The crash is seen and the worker restarted (with backoff) under a new pid.
    const until = Date.now() + 20_000;
    while (Date.now() < until) {
      const fresh = stack.supervisor.stats().workers[index]!.pid;
      if (fresh !== undefined && fresh !== pid) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const after = await y.executeQuery({ databaseId: "y", query: "SELECT v FROM kept" });
    expect(after.rows.map((r) => r.values[0]?.kind)).toEqual([
      { $case: "stringValue", value: "acked" },
    ]);
    expect(stack.supervisor.stats().crashes).toBe(before.crashes + 1);
  }, 60_000);
});
