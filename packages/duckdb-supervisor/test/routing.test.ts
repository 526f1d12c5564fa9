import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { ClientError, Status } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Stack } from "./harness.js";

let stack: Stack;
beforeAll(async () => {
  stack = await Stack.start();
});
afterAll(async () => {
  await stack?.stop();
});

const ownerDir = (kind: "user" | "org", id: string) =>
  `${kind}-${Buffer.from(id, "utf8").toString("hex")}`;

/** The workers whose cache holds `<owner>/<name>.duckdb`. */
async function workersHolding(owner: string, name: string): Promise<number[]> {
  const root = join(stack.dir, "duckdb", "workers");
  const found: number[] = [];
  for (const entry of await readdir(root)) {
    if (existsSync(join(root, entry, "duckdb", "databases", owner, `${name}.duckdb`))) {
      found.push(Number(entry));
    }
  }
  return found;
}

async function codeOf(call: Promise<unknown>): Promise<Status | "ok"> {
  try {
    await call;
    return "ok";
  } catch (err) {
    if (err instanceof ClientError) return err.code;
    throw err;
  }
}

describe("routing by owner", () => {
  it("puts two users' databases in different workers", async () => {
    const alice = await stack.client("alice");
    const bob = await stack.client("bob");
    await alice.createDatabase({ databaseName: "notes" });
    await bob.createDatabase({ databaseName: "notes" });
    await alice.executeStatement({ databaseId: "notes", statement: "CREATE TABLE t(x INT)" });
    await bob.executeStatement({ databaseId: "notes", statement: "CREATE TABLE t(x INT)" });
    const a = await workersHolding(ownerDir("user", "alice"), "notes");
    const b = await workersHolding(ownerDir("user", "bob"), "notes");
    expect(a).toHaveLength(1);
    expect(b).toHaveLength(1);
    expect(a[0]).not.toBe(b[0]);
    const pids = stack.workerPids();
    expect(pids[0]).toBeTypeOf("number");
    expect(pids[1]).toBeTypeOf("number");
    expect(pids[0]).not.toBe(pids[1]);
  });

  it("serves an organization database from one worker for every member", async () => {
    const carol = await stack.client("carol", "acme");
    const dave = await stack.client("dave", "acme");
    await carol.createDatabase({ databaseName: "shared", organizationId: "acme" });
    await carol.executeStatement({
      databaseId: "org/shared",
      statement: "CREATE TABLE t(who TEXT)",
    });
    await dave.executeStatement({
      databaseId: "org/shared",
      statement: "INSERT INTO t VALUES ('dave')",
    });
    await carol.executeStatement({
      databaseId: "org/shared",
      statement: "INSERT INTO t VALUES ('carol')",
    });
    const rows = await dave.executeQuery({
      databaseId: "org/shared",
      query: "SELECT count(*) n FROM t",
    });
    expect(rows.rows[0]?.values[0]?.kind).toEqual({ $case: "intValue", value: 2n });
    expect(await workersHolding(ownerDir("org", "acme"), "shared")).toHaveLength(1);
  });

  it("keeps the assignment in a file, so a restarted supervisor finds each owner's files", async () => {
    const lines = (await readFile(join(stack.dir, "duckdb", "workers", "owners.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { owner: string; worker: number });
    const alice = lines.find((l) => l.owner === "user:alice");
    expect(await workersHolding(ownerDir("user", "alice"), "notes")).toEqual([alice?.worker]);
  });

  it("starts workers with the libuv pool it was asked for", async () => {
    const pid = stack.workerPids()[0]!;
    // libuv starts its whole pool at first use and Node names every thread "node": a
    // worker with the default pool of 4 runs about 11 threads (plus DuckDB's), with 16 about 23.
    const tasks = await readdir(`/proc/${pid}/task`);
    expect(tasks.length).toBeGreaterThanOrEqual(16 + 7);
  });
});

describe("pass-through", () => {
  it("streams a server-streaming query through whole", async () => {
    const alice = await stack.client("alice");
    let rows = 0;
    let chunks = 0;
    for await (const chunk of alice.executeQueryStream({
      databaseId: "notes",
      query: "SELECT range AS id, 'row-' || range AS label FROM range(200000)",
    })) {
      rows += chunk.rows.length;
      chunks++;
    }
    expect(rows).toBe(200_000);
    expect(chunks).toBeGreaterThan(1);
  });

  it("passes the caller's deadline to the worker", async () => {
    const alice = await stack.client("alice");
    const started = Date.now();
    const code = await stack.queryWithDeadline(
      "alice",
      { databaseId: "notes", query: "SELECT count(*) FROM range(1000000) a, range(1000000) b" },
      1000,
    );
    expect(code).toBe(Status.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeLessThan(3000);
    // The worker interrupted the statement: no kill, and alice is served at once.
    const after = await alice.executeQuery({ databaseId: "notes", query: "SELECT 1" });
    expect(after.success).toBe(true);
  });

  it("passes a cancellation to the worker", async () => {
    const alice = await stack.client("alice");
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 300);
    await expect(
      alice.executeQuery(
        { databaseId: "notes", query: "SELECT count(*) FROM range(1000000) a, range(1000000) b" },
        { signal: abort.signal },
      ),
    ).rejects.toThrow(/abort/i);
    // After the grace the orphan check finds the statement interrupted: nothing was killed.
    await new Promise((r) => setTimeout(r, 2000));
    expect(stack.supervisor.stats().kills).toEqual({ deadline: 0, memory: 0, orphan: 0 });
  });

  it("answers bad input with the same status as the service itself", async () => {
    const direct = stack.supervisor.stats().workers.find((w) => w.port)!.port!;
    const garbage = "not-a-jwt";
    const viaFront = stack.clientWithToken(garbage);
    const viaWorker = stack.clientWithToken(garbage, direct);
    const call = { databaseId: "notes", query: "SELECT 1" };
    expect(await codeOf(viaFront.executeQuery(call))).toBe(Status.UNAUTHENTICATED);
    expect(await codeOf(viaWorker.executeQuery(call))).toBe(Status.UNAUTHENTICATED);
    const forged = `${(await stack.token("alice")).slice(0, -4)}AAAA`;
    expect(await codeOf(stack.clientWithToken(forged).executeQuery(call))).toBe(
      Status.UNAUTHENTICATED,
    );
    const eve = await stack.client("eve");
    const eveDirect = await stack.client("eve", undefined, direct);
    const missing = { databaseId: "nope", query: "SELECT 1" };
    expect(await codeOf(eve.executeQuery(missing))).toBe(Status.NOT_FOUND);
    expect(await codeOf(eveDirect.executeQuery(missing))).toBe(Status.NOT_FOUND);
    expect(await codeOf(stack.clientWithToken(undefined).listDatabases({}))).toBe(
      Status.UNAUTHENTICATED,
    );
  });

  it("answers a plain HealthCheck without a token", async () => {
    const anonymous = stack.clientWithToken(undefined);
    const health = await anonymous.healthCheck({ databaseId: "", detailed: false });
    expect(health.healthy).toBe(true);
  });
});
