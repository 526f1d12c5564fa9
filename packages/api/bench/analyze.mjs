// Throughput and latency of POST /api/v1/data/analyze under concurrent load
// (autocannon), with data-service's result cache off and on (two API processes,
// ISA_RESULT_CACHE_MB=0 and the default), next to the same analysis called directly
// through duckdb-client, in one run against one stack: at each concurrency, 3 rounds
// with the ways in alternating order, medians printed. The services and the APIs each
// run in a child process, so the load generator shares an event loop with none.
//
//   pnpm --filter @isa-cloud/api bench            (defaults below)
//   BENCH_EVENTS=200000 BENCH_CONNECTIONS=16,64 BENCH_SECONDS=10 pnpm --filter @isa-cloud/api bench
import { spawn } from "node:child_process";
import { once } from "node:events";
import { cpus, loadavg } from "node:os";
import { createInterface } from "node:readline";
import { ANALYZE_BEHAVIOR_SQL, analyticsDatabaseId } from "@isa-cloud/data-service";
import { DuckdbClient } from "@isa-cloud/duckdb-client";
import { manyEventsCsv, randomSecret, tokenSigner } from "@isa-cloud/testing";
import autocannon from "autocannon";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const LEVELS = (process.env.BENCH_CONNECTIONS ?? "16,64").split(",").map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARMUP_SECONDS = 2;
const ROUNDS = 3;
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

/** `connections` loops calling `fn` back to back for `seconds`; latencies in ms. */
async function closedLoop(fn, seconds, connections) {
  const latencies = [];
  const end = performance.now() + seconds * 1000;
  let errors = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
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
  const apiOff = await startChild("api", { ...env, ISA_RESULT_CACHE_MB: "0" });
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
  const analyze = (url, connections) => (seconds) =>
    autocannon({
      url: `${url}/api/v1/data/analyze`,
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify({ start_date: RANGE.start, end_date: RANGE.end }),
      connections,
      duration: seconds,
    }).then((r) => ({
      rps: r.requests.average,
      p50: r.latency.p50,
      p99: r.latency.p99,
      errors: r.errors + r.non2xx,
    }));
  const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  console.log(
    `\nanalyze over ${EVENTS} events, ${SECONDS} s per run after ${WARMUP_SECONDS} s warm-up, median of ${ROUNDS} alternating rounds, ${cpus().length} CPUs, Node ${process.version}`,
  );
  for (const connections of LEVELS) {
    const ways = [
      ["duckdb-client direct", (seconds) => closedLoop(direct, seconds, connections)],
      ["POST /analyze, cache off", analyze(apiOff.url, connections)],
      ["POST /analyze, cache on", analyze(api.url, connections)],
    ];
    // Every way warm (connections, JIT, DuckDB's caches) before any is measured.
    for (const [, run] of ways) await run(WARMUP_SECONDS);
    const runs = Object.fromEntries(ways.map(([name]) => [name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, run] of round % 2 === 0 ? ways : [...ways].reverse()) {
        runs[name].push(await run(SECONDS));
      }
    }
    const off = median(runs["POST /analyze, cache off"].map((r) => r.rps));
    const table = {};
    for (const [name, results] of Object.entries(runs)) {
      const rps = median(results.map((r) => r.rps));
      table[name] = {
        "requests/s": Math.round(rps),
        "p50 ms": median(results.map((r) => r.p50)).toFixed(2),
        "p99 ms": median(results.map((r) => r.p99)).toFixed(2),
        errors: results.reduce((n, r) => n + r.errors, 0),
        "vs cache off": `${(rps / off).toFixed(2)}x`,
        "vs FastAPI 1 worker (159 req/s)": `${(rps / 159).toFixed(2)}x`,
      };
    }
    console.log(`\n${connections} connections, load average ${loadavg()[0].toFixed(1)}`);
    console.table(table);
  }
  duckdb.close();
} finally {
  for (const child of children.reverse()) {
    child.kill("SIGTERM");
    await once(child, "exit");
  }
}
