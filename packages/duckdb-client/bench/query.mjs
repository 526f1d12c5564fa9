// End-to-end query speed of @isa-cloud/duckdb-client against the real service (in a
// child process, as in production), next to the same work done in-process with
// @duckdb/node-api. Run: pnpm --filter @isa-cloud/duckdb-client bench (after build).
// Env: BENCH_ROWS (default 1_000_000), BENCH_SMALL (small queries per run, default 2_000).
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { signToken } from "@isa-cloud/rpc-server";
import { createDuckdbClient } from "../dist/index.js";

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const SMALL = Number(process.env.BENCH_SMALL ?? 2_000);
const REPEATS = 3;
const SECRET = "duckdb-client-bench";
const DB = "bench";
// Five mixed columns: BIGINT, INTEGER, DOUBLE, VARCHAR, TIMESTAMP.
const LARGE = `SELECT i AS id, (i % 1000)::INTEGER AS small, i * 0.5 AS amount,
  'name-' || (i % 977) AS label, TIMESTAMP '2024-01-01' + to_seconds(i) AS at
  FROM range(${ROWS}) t(i)`;
const SMALL_SQL = "SELECT id, label, amount FROM items WHERE id = $id";

const dir = await mkdtemp(join(tmpdir(), "duckdb-client-bench-"));
const server = spawn(
  process.execPath,
  [fileURLToPath(new URL("./serve.mjs", import.meta.url)), dir, SECRET],
  { stdio: ["pipe", "pipe", "inherit"] },
);
const [line] = await Promise.race([
  once(createInterface({ input: server.stdout }), "line"),
  once(server, "exit").then(([code]) => {
    throw new Error(`the service process exited (code ${code}) before it was ready`);
  }),
]);
const { port } = JSON.parse(line);
const address = `127.0.0.1:${port}`;
const token = await signToken({ secret: SECRET, sub: "bench" });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
const fmt = (n) => Math.round(n).toLocaleString("en-US");

async function timeRows(fn) {
  const runs = [];
  for (let r = 0; r < REPEATS; r++) {
    const start = performance.now();
    const n = await fn();
    const ms = performance.now() - start;
    if (n !== ROWS) throw new Error(`expected ${ROWS} rows, got ${n}`);
    runs.push((n / ms) * 1000);
  }
  return median(runs);
}

try {
  const client = createDuckdbClient({ address, token });
  await client.createDatabase(DB);
  await client.execute(
    DB,
    "CREATE TABLE items AS SELECT i AS id, 'item-' || i AS label, i * 1.25 AS amount FROM range(10000) t(i)",
  );

  // ---- large result: through the service vs in-process
  const service = {};
  for (const transport of ["columnar", "rows"]) {
    service[`service, ${transport} transport, rows`] = await timeRows(async () => {
      let n = 0;
      for await (const _row of client.queryStream(DB, LARGE, {}, { transport })) n++;
      return n;
    });
    service[`service, ${transport} transport, batches`] = await timeRows(async () => {
      let n = 0;
      for await (const batch of client.queryStream(DB, LARGE, {}, { transport }).batches()) {
        n += batch.rows.length;
      }
      return n;
    });
  }
  const instance = await DuckDBInstance.create(":memory:");
  const conn = await instance.connect();
  const inProcessJs = await timeRows(async () => {
    let n = 0;
    const result = await conn.stream(LARGE);
    for await (const rows of result.yieldRowObjectJs()) n += rows.length;
    return n;
  });
  const inProcessValues = await timeRows(async () => {
    let n = 0;
    const result = await conn.stream(LARGE);
    for await (const rows of result.yieldRows()) n += rows.length;
    return n;
  });
  conn.closeSync();

  console.log(
    `\nLarge result: ${fmt(ROWS)} rows x 5 columns (BIGINT, INTEGER, DOUBLE, VARCHAR, TIMESTAMP), median of ${REPEATS}`,
  );
  const versus = (rate) => `${((rate / inProcessJs) * 100).toFixed(0)}%`;
  const large = {};
  for (const [name, rate] of Object.entries(service)) {
    large[name] = { "rows/s": fmt(rate), "vs in-process JS objects": versus(rate) };
  }
  large["in-process, yieldRowObjectJs (JS objects)"] = {
    "rows/s": fmt(inProcessJs),
    "vs in-process JS objects": "100%",
  };
  large["in-process, yieldRows (DuckDBValue arrays)"] = {
    "rows/s": fmt(inProcessValues),
    "vs in-process JS objects": versus(inProcessValues),
  };
  console.table(large);

  // ---- small queries: latency one at a time, throughput with many in flight
  const small = {};
  for (const poolSize of [1, 4]) {
    const pooled = createDuckdbClient({ address, token, poolSize });
    for (let i = 0; i < 200; i++) await pooled.query(DB, SMALL_SQL, { id: i });
    const latencies = [];
    for (let i = 0; i < SMALL; i++) {
      const start = performance.now();
      await pooled.query(DB, SMALL_SQL, { id: i % 10000 });
      latencies.push(performance.now() - start);
    }
    latencies.sort((a, b) => a - b);
    const inFlight = 32;
    let next = 0;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < SMALL * 2) {
          const id = next++ % 10000;
          await pooled.query(DB, SMALL_SQL, { id });
        }
      }),
    );
    const qps = ((SMALL * 2) / (performance.now() - start)) * 1000;
    small[`pool size ${poolSize}`] = {
      "p50 ms": pct(latencies, 0.5).toFixed(2),
      "p99 ms": pct(latencies, 0.99).toFixed(2),
      [`queries/s (${inFlight} in flight)`]: fmt(qps),
    };
    pooled.close();
  }
  console.log(
    `\nSmall query (${SMALL_SQL}; ${fmt(SMALL)} sequential for latency, ${fmt(SMALL * 2)} for throughput)`,
  );
  console.table(small);
  client.close();
} finally {
  server.stdin.end();
  await once(server, "exit");
  await rm(dir, { recursive: true, force: true });
}
