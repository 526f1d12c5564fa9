// Throughput and latency of POST /api/v1/data/analyze under concurrent load
// (autocannon), next to the same analysis called directly through duckdb-client, in
// one run against one stack. The services and the API each run in a child process,
// so the load generator shares an event loop with neither.
//
//   pnpm --filter @isa-cloud/api bench            (defaults below)
//   BENCH_EVENTS=200000 BENCH_CONNECTIONS=32 BENCH_SECONDS=15 pnpm --filter @isa-cloud/api bench
import { spawn } from "node:child_process";
import { once } from "node:events";
import { cpus } from "node:os";
import { createInterface } from "node:readline";
import { ANALYZE_BEHAVIOR_SQL, analyticsDatabaseId } from "@isa-cloud/data-service";
import { DuckdbClient } from "@isa-cloud/duckdb-client";
import { manyEventsCsv, randomSecret, tokenSigner } from "@isa-cloud/testing";
import autocannon from "autocannon";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = 2;
const USER = "bench-user";
const RANGE = { start: "2024-01-01", end: "2024-01-31" };

const secret = randomSecret();
const children = [];

async function startChild(role, env) {
  const child = spawn(process.execPath, [new URL("./stack.mjs", import.meta.url).pathname, role], {
    env: {
      ...process.env,
      ISA_JWT_SECRET: secret,
      UV_THREADPOOL_SIZE: "16",
      ...env,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  const lines = createInterface({ input: child.stdout });
  const [line] = await Promise.race([
    once(lines, "line"),
    once(child, "exit").then(([code]) => {
      throw new Error(`bench stack (${role}) exited with ${code}`);
    }),
  ]);
  return JSON.parse(line);
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** `CONNECTIONS` loops calling `fn` back to back for `seconds`; latencies in ms. */
async function closedLoop(fn, seconds) {
  const latencies = [];
  const end = performance.now() + seconds * 1000;
  let errors = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < end) {
        const began = performance.now();
        try {
          await fn();
          latencies.push(performance.now() - began);
        } catch {
          errors += 1;
        }
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return {
    rps: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors,
  };
}

try {
  const services = await startChild("services", {});
  const env = { ...services.env, API_RATE_LIMIT_MAX: "0" };
  const api = await startChild("api", env);
  const token = await tokenSigner(secret)(USER);
  const headers = { authorization: `Bearer ${token}` };

  // Load the events through the API, as a user would.
  const csv = manyEventsCsv(EVENTS);
  const put = await fetch(`${api.url}/api/v1/data/files/bench/events.csv`, {
    method: "PUT",
    headers: { ...headers, "content-type": "text/csv" },
    body: csv,
  });
  if (put.status !== 201) throw new Error(`upload: ${put.status} ${await put.text()}`);
  const imported = await fetch(`${api.url}/api/v1/data/import`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify({ file_name: "bench/events.csv" }),
  });
  if (imported.status !== 200)
    throw new Error(`import: ${imported.status} ${await imported.text()}`);

  // Direct: the same statement and parameters the API's analyze runs.
  const duckdb = new DuckdbClient({
    address: services.analyticsAddress,
    token,
    poolSize: 1,
  });
  const db = analyticsDatabaseId(USER);
  const direct = () => duckdb.query(db, ANALYZE_BEHAVIOR_SQL, RANGE);
  const check = await direct();
  if (check.rows.length !== 5)
    throw new Error(`unexpected analysis: ${JSON.stringify(check.rows)}`);
  const request = {
    url: `${api.url}/api/v1/data/analyze`,
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify({ start_date: RANGE.start, end_date: RANGE.end }),
    connections: CONNECTIONS,
  };
  // Both paths warm (connections, JIT, DuckDB's caches) before either is measured.
  await closedLoop(direct, WARMUP_SECONDS);
  await autocannon({ ...request, duration: WARMUP_SECONDS });
  const directResult = await closedLoop(direct, SECONDS);
  const load = await autocannon({ ...request, duration: SECONDS });
  duckdb.close();

  const rows = [
    ["", "requests/s", "p50 ms", "p99 ms", "errors"],
    [
      "duckdb-client direct",
      directResult.rps.toFixed(0),
      directResult.p50.toFixed(2),
      directResult.p99.toFixed(2),
      String(directResult.errors),
    ],
    [
      "POST /analyze (API)",
      load.requests.average.toFixed(0),
      String(load.latency.p50),
      String(load.latency.p99),
      String(load.errors + load.non2xx),
    ],
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  console.log(
    `\nanalyze over ${EVENTS} events, ${CONNECTIONS} concurrent, ${SECONDS} s each (after ${WARMUP_SECONDS} s warm-up), ${cpus().length} CPUs, Node ${process.version}`,
  );
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i])).join("  "));
  console.log(
    `API / direct throughput: ${((100 * load.requests.average) / directResult.rps).toFixed(0)}%`,
  );
} finally {
  for (const child of children.reverse()) {
    child.kill("SIGTERM");
    await once(child, "exit");
  }
}
