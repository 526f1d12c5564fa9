import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DuckdbClient, Stack } from "./harness.js";

/** The value of `name{labels}` in Prometheus text (labels matched as a subset), 0 when absent. */
function seriesValue(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const have = Object.fromEntries(
      [...(/\{(.*)\}/.exec(line)?.[1] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) {
      return Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return 0;
}

describe("the analytics service's /metrics", () => {
  let stack: Stack;
  let alice: DuckdbClient;

  beforeAll(async () => {
    stack = await Stack.start({ metrics: { host: "127.0.0.1", port: 0 }, maxOpenDatabases: 1 });
    alice = await stack.client("alice");
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const scrape = async () => {
    const res = await fetch(`http://127.0.0.1:${stack.service.metricsPort}/metrics`);
    expect(res.status).toBe(200);
    return res.text();
  };

  it("counts queries by statement type, cache hits and misses, open databases and checkpoints", async () => {
    const before = await scrape();
    await alice.createDatabase({ databaseName: "one" });
    await alice.executeStatement({ databaseId: "one", statement: "CREATE TABLE t (x INTEGER)" });
    await alice.executeStatement({ databaseId: "one", statement: "INSERT INTO t VALUES (1), (2)" });
    await alice.executeQuery({ databaseId: "one", query: "SELECT count(*) FROM t" });
    await alice.executeQuery({ databaseId: "one", query: "-- why\n  SELECT 42" });
    await expect(
      alice.executeQuery({ databaseId: "one", query: "SELEC nonsense" }),
    ).rejects.toThrow();
    // A second database with room for one open: the first is evicted (checkpointed) and
    // opening it again is a cache miss.
    await alice.createDatabase({ databaseName: "two" });
    await alice.executeQuery({ databaseId: "two", query: "SELECT 1" });
    await alice.executeQuery({ databaseId: "one", query: "SELECT x FROM t" });
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) =>
      seriesValue(after, name, labels) - seriesValue(before, name, labels);

    const query = (method: string, statement: string, outcome = "OK") => ({
      method,
      statement,
      outcome,
    });
    expect(delta("isa_analytics_query_seconds_count", query("executeQuery", "select"))).toBe(4);
    expect(delta("isa_analytics_query_seconds_count", query("executeStatement", "create"))).toBe(1);
    expect(delta("isa_analytics_query_seconds_count", query("executeStatement", "insert"))).toBe(1);
    expect(
      delta(
        "isa_analytics_query_seconds_count",
        query("executeQuery", "other", "INVALID_ARGUMENT"),
      ),
    ).toBe(1);
    expect(delta("isa_analytics_cache_hits_total")).toBeGreaterThan(0);
    expect(delta("isa_analytics_cache_misses_total")).toBeGreaterThan(0);
    expect(delta("isa_analytics_evictions_total")).toBeGreaterThanOrEqual(1);
    expect(delta("isa_analytics_checkpoints_total", { outcome: "ok" })).toBeGreaterThanOrEqual(1);
    expect(delta("isa_analytics_upload_seconds_count", { outcome: "ok" })).toBeGreaterThanOrEqual(
      1,
    );
    expect(delta("isa_analytics_uploaded_bytes_total")).toBeGreaterThan(0);
    expect(seriesValue(after, "isa_analytics_open_databases")).toBe(1);
    expect(seriesValue(after, "isa_analytics_max_open_databases")).toBe(1);
    expect(
      delta("grpc_server_handled_total", {
        grpc_service: "isa.duckdb.DuckDBService",
        grpc_method: "ExecuteQuery",
        grpc_code: "OK",
      }),
    ).toBe(4);
    // Its own calls to storage are counted on the client side.
    expect(
      delta("grpc_client_handled_total", {
        grpc_service: "isa.minio.MinIOService",
        grpc_method: "PutObject",
        grpc_code: "OK",
      }),
    ).toBeGreaterThan(0);
  });

  it("keeps GetMetrics' per-caller figures from the same counting", async () => {
    const metrics = await alice.getMetrics({ databaseId: "" });
    expect(Number(metrics.totalQueries)).toBeGreaterThan(0);
    expect(Number(metrics.cacheMisses)).toBeGreaterThan(0);
  });
});
