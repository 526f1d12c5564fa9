import { ClientError, Status } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Stack } from "./harness.js";

// A budget far above what the query needs, so only the deadline watchdog can end it:
// DuckDB does not interrupt repeat() inside the operator, so without the watchdog this
// query runs for tens of seconds past its 2 s timeout.
let stack: Stack;
beforeAll(async () => {
  stack = await Stack.start({ workers: 1, workerMemoryMiB: 8192, graceMs: 1000 });
});
afterAll(async () => {
  await stack?.stop();
});

describe("deadline watchdog", () => {
  it("kills a worker whose query outlives its timeout plus grace, and says which limit was hit", async () => {
    const x = await stack.client("xavier");
    await x.createDatabase({ databaseName: "x" });
    const started = Date.now();
    const outcome = await x
      .executeQuery({
        databaseId: "x",
        query: "SELECT length(repeat('x', 1000000000))",
        timeoutSeconds: 2,
      })
      .then(
        () => ({ code: Status.OK, details: "", ms: Date.now() - started }),
        (err: unknown) => {
          if (!(err instanceof ClientError)) throw err;
          return { code: err.code, details: err.details, ms: Date.now() - started };
        },
      );
    expect(outcome.code).toBe(Status.DEADLINE_EXCEEDED);
    expect(outcome.details).toMatch(/timeout_seconds 2/);
    // 2 s timeout + 1 s grace, with slack for a loaded 2-core machine; far below the
    // tens of seconds the query takes when nothing kills it.
    expect(outcome.ms).toBeLessThan(15_000);
    expect(stack.supervisor.stats().kills.deadline).toBe(1);
    // A fresh worker serves the same tenant afterwards.
    const again = await x.executeQuery({ databaseId: "x", query: "SELECT 42 AS answer" });
    expect(again.rows[0]?.values[0]?.kind).toEqual({ $case: "intValue", value: 42n });
  }, 60_000);
});
