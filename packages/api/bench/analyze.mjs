// Throughput and latency of POST /api/v1/data/analyze under concurrent load
// (autocannon), side by side with the integration guide's FastAPI stack doing the same
// analysis against the same analytics service (bench/fastapi-peer.py, uvicorn with 1 and
// with 2 workers), in one run: our API with data-service's result cache on (the default)
// and off (ISA_RESULT_CACHE_MB=0), and the analysis called directly through duckdb-client
// (the floor of the analytics path). At each concurrency, 3 rounds with the ways in
// alternating order, medians printed with the load average, and the issue's aims through
// reportAim. The services, our APIs and the peers each run in a child process, so the
// load generator shares an event loop with none.
//
//   pnpm --filter @isa-cloud/api bench            (defaults below)
//   BENCH_EVENTS=200000 BENCH_CONNECTIONS=16,64 BENCH_SECONDS=10 pnpm --filter @isa-cloud/api bench
//   BENCH_CPU_PROF=/tmp/prof BENCH_ONLY="cache on" node bench/analyze.mjs
//     (the services and our APIs write .cpuprofile files there; only the ways whose name
//     contains one of BENCH_ONLY's comma-separated parts run)
//   BENCH_THREAD_CPU=1 node bench/analyze.mjs
//     (also prints, per way, the CPU each request cost the services process, split into its
//     main thread and the rest, DuckDB's work on libuv's pool, and our API's, read from
//     /proc; and how long the main threads waited for a core)
//   BENCH_ONLY="cache off,1 worker" node bench/analyze.mjs
//     (the result cache off beside the 1-worker peer: first views, or every request after
//     a write; an aim is reported whenever both of its ways ran)
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, loadavg } from "node:os";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { ANALYZE_BEHAVIOR_SQL, analyticsDatabaseId } from "@isa-cloud/data-service";
import { DuckdbClient } from "@isa-cloud/duckdb-client";
import { descriptorSetPath } from "@isa-cloud/proto";
import { manyEventsCsv, randomSecret, tokenSigner } from "@isa-cloud/testing";
import autocannon from "autocannon";
import { reportAim } from "../../../scripts/bench-aims.mjs";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const LEVELS = (process.env.BENCH_CONNECTIONS ?? "16,64").split(",").map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARMUP_SECONDS = 2;
const ROUNDS = 3;
const USER = "bench-user";
const RANGE = { start: "2024-01-01", end: "2024-01-31" };
// Debian's interpreter: python3-fastapi and python3-uvicorn are installed into it.
const PYTHON = "/usr/bin/python3";
const PEER_SCRIPT = fileURLToPath(new URL("./fastapi-peer.py", import.meta.url));
const CPU_PROF = process.env.BENCH_CPU_PROF;
const THREAD_CPU = process.env.BENCH_THREAD_CPU === "1";
const ONLY = process.env.BENCH_ONLY?.split(",").map((part) => part.trim());

const secret = randomSecret();
const children = [];

function firstLine(child, role) {
  return Promise.race([
    once(createInterface({ input: child.stdout }), "line").then(([line]) => line),
    once(child, "exit").then(([code]) => {
      throw new Error(`bench child (${role}) exited with ${code}`);
    }),
  ]);
}

async function startChild(role, env) {
  const child = spawn(
    process.execPath,
    [
      ...(CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${CPU_PROF}`] : []),
      fileURLToPath(new URL("./stack.mjs", import.meta.url)),
      role,
    ],
    {
      env: { ...process.env, ISA_JWT_SECRET: secret, UV_THREADPOOL_SIZE: "16", ...env },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  children.push(child);
  return { ...JSON.parse(await firstLine(child, role)), pid: child.pid };
}

/**
 * CPU ms of a process so far: its main thread, its other threads (libuv's pool, where
 * DuckDB runs), and the main thread's wait for a core (Linux's /proc; BENCH_THREAD_CPU).
 */
function threadCpu(pid) {
  const totals = { main: 0, pool: 0, mainWait: 0 };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // utime and stime, in clock ticks of 10 ms.
      const ms = (Number(fields[11]) + Number(fields[12])) * 10;
      if (tid !== String(pid)) {
        totals.pool += ms;
        continue;
      }
      totals.main += ms;
      const waitNs = Number(
        readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[1],
      );
      totals.mainWait += waitNs / 1e6;
    } catch {
      // A thread that ended between the listing and the read.
    }
  }
  return totals;
}

function peerAvailable() {
  try {
    execFileSync(PYTHON, ["-c", "import fastapi, uvicorn, grpc"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

async function freePort() {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address();
  server.close();
  return port;
}

/** The guide's FastAPI stack with `workers` uvicorn workers; resolves once it answers. */
async function startPeer(workers, servicesEnv) {
  const port = await freePort();
  const child = spawn(PYTHON, [PEER_SCRIPT], {
    env: {
      ...process.env,
      DUCKDB_GRPC_HOST: servicesEnv.DUCKDB_GRPC_HOST,
      DUCKDB_GRPC_PORT: servicesEnv.DUCKDB_GRPC_PORT,
      PEER_DESCRIPTOR_SET: descriptorSetPath,
      PEER_SQL: ANALYZE_BEHAVIOR_SQL,
      PEER_PORT: String(port),
      PEER_WORKERS: String(workers),
      // No __pycache__ left in the source tree.
      PYTHONDONTWRITEBYTECODE: "1",
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`FastAPI peer exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/openapi.json`)).ok) return url;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error("FastAPI peer did not answer within 30 s");
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

/** A run's figures with the CPU per request of the services and (given) our API. */
async function withThreadCpu(run, servicesPid, apiPid) {
  const pids = apiPid ? [servicesPid, apiPid] : [servicesPid];
  const [s0, a0] = pids.map(threadCpu);
  const result = await run();
  const [s1, a1] = pids.map(threadCpu);
  const requests = result.rps * SECONDS;
  const perRequest = (b, a, key) => (a[key] - b[key]) / requests;
  const waitPerSecond = (b, a) => (a.mainWait - b.mainWait) / SECONDS;
  result.cpu = {
    "services main ms/req": perRequest(s0, s1, "main"),
    "services pool ms/req": perRequest(s0, s1, "pool"),
    "services main wait ms/s": waitPerSecond(s0, s1),
    ...(apiPid && {
      "API ms/req": perRequest(a0, a1, "main") + perRequest(a0, a1, "pool"),
      "API main wait ms/s": waitPerSecond(a0, a1),
    }),
  };
  return result;
}

const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const fmt = (n) => Math.round(n).toLocaleString("en-US");

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

  // The guide's route takes user_id as a query parameter; ours accepts it too, so every
  // HTTP way gets the very same request.
  const path = `/api/v1/data/analyze?user_id=${USER}`;
  const body = JSON.stringify({ start_date: RANGE.start, end_date: RANGE.end });
  const post = (url) =>
    fetch(`${url}${path}`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body,
    }).then(async (res) => {
      if (res.status !== 200) throw new Error(`${url}: ${res.status} ${await res.text()}`);
      return res.json();
    });

  const peers = {};
  if (peerAvailable()) {
    peers["FastAPI guide stack, 1 worker"] = await startPeer(1, services.env);
    peers["FastAPI guide stack, 2 workers"] = await startPeer(2, services.env);
    // Same analysis, same answer (the guide's shape has no start_date/end_date).
    const ours = (await post(api.url)).events;
    for (const url of Object.values(peers)) {
      const theirs = (await post(url)).events;
      if (JSON.stringify(theirs) !== JSON.stringify(ours))
        throw new Error(`the peer answers differently: ${JSON.stringify(theirs)}`);
    }
  } else {
    console.log(
      `\nFastAPI peer skipped: ${PYTHON} lacks fastapi/uvicorn. Install Debian's packages with\n` +
        "  bash scripts/install-system-deps.sh --bench   (or: apt-get install -y python3-fastapi python3-uvicorn)",
    );
  }

  // Direct: the same statement and parameters the API's analyze runs.
  const duckdb = new DuckdbClient({ address: services.analyticsAddress, token, poolSize: 1 });
  const db = analyticsDatabaseId(USER);
  const direct = () => duckdb.query(db, ANALYZE_BEHAVIOR_SQL, RANGE);
  const check = await direct();
  if (check.rows.length !== 5)
    throw new Error(`unexpected analysis: ${JSON.stringify(check.rows)}`);
  const analyze = (url, connections) => (seconds) =>
    autocannon({
      url: `${url}${path}`,
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body,
      connections,
      duration: seconds,
    }).then((r) => ({
      rps: r.requests.average,
      p50: r.latency.p50,
      p99: r.latency.p99,
      errors: r.errors + r.non2xx + r.timeouts,
    }));
  console.log(
    `\nanalyze over ${EVENTS} events, ${SECONDS} s per run after ${WARMUP_SECONDS} s warm-up, median of ${ROUNDS} alternating rounds, ${cpus().length} CPUs, Node ${process.version}, load average ${loadavg()[0].toFixed(1)}`,
  );
  for (const connections of LEVELS) {
    const ways = [
      ["duckdb-client direct", (seconds) => closedLoop(direct, seconds, connections)],
      ["POST /analyze, cache off", analyze(apiOff.url, connections)],
      ["POST /analyze, cache on", analyze(api.url, connections)],
      ...Object.entries(peers).map(([name, url]) => [name, analyze(url, connections)]),
    ].filter(([name]) => !ONLY || ONLY.some((part) => name.includes(part)));
    // Our API's process behind each HTTP way, for BENCH_THREAD_CPU.
    const apiPidOf = { "POST /analyze, cache off": apiOff.pid, "POST /analyze, cache on": api.pid };
    // Every way warm (connections, JIT, DuckDB's caches) before any is measured.
    for (const [, run] of ways) await run(WARMUP_SECONDS);
    const runs = Object.fromEntries(ways.map(([name]) => [name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, run] of round % 2 === 0 ? ways : [...ways].reverse()) {
        runs[name].push(
          THREAD_CPU
            ? await withThreadCpu(() => run(SECONDS), services.pid, apiPidOf[name])
            : await run(SECONDS),
        );
      }
    }
    const figures = Object.fromEntries(
      Object.entries(runs).map(([name, results]) => [
        name,
        {
          rps: median(results.map((r) => r.rps)),
          p50: median(results.map((r) => r.p50)),
          p99: median(results.map((r) => r.p99)),
          errors: results.reduce((n, r) => n + r.errors, 0),
        },
      ]),
    );
    const peer1 = figures["FastAPI guide stack, 1 worker"];
    const peer2 = figures["FastAPI guide stack, 2 workers"];
    const table = {};
    for (const [name, f] of Object.entries(figures)) {
      table[name] = {
        "requests/s": fmt(f.rps),
        "p50 ms": f.p50.toFixed(1),
        "p99 ms": f.p99.toFixed(1),
        errors: f.errors,
        ...(peer1 ? { "vs FastAPI 1 worker": `${(f.rps / peer1.rps).toFixed(2)}x` } : {}),
        ...(peer2 ? { "vs FastAPI 2 workers": `${(f.rps / peer2.rps).toFixed(2)}x` } : {}),
      };
    }
    console.log(`\n${connections} connections, load average ${loadavg()[0].toFixed(1)}`);
    console.table(table);
    if (THREAD_CPU) {
      console.log("CPU per request (median of the rounds), from /proc");
      console.table(
        Object.fromEntries(
          Object.entries(runs).map(([name, results]) => [
            name,
            Object.fromEntries(
              Object.keys(results[0].cpu).map((key) => [
                key,
                median(results.map((r) => r.cpu[key])).toFixed(2),
              ]),
            ),
          ]),
        ),
      );
    }

    // Each aim of issue #18, for the result cache on (a repeated dashboard) and off (first
    // views, or every request after a write), whenever the ways it compares ran.
    for (const [cache, name, label] of [
      ["on", "POST /analyze, cache on", ""],
      ["off", "POST /analyze, cache off", ", result cache off"],
    ]) {
      const ours = figures[name];
      if (!ours) continue;
      if (peer1) {
        reportAim({
          name: `POST /analyze vs FastAPI guide stack${label}, ${connections} conn`,
          measured: `${fmt(ours.rps)} req/s (cache ${cache})`,
          peer: `FastAPI 1 worker ${fmt(peer1.rps)} req/s${peer2 ? ` (2 workers ${fmt(peer2.rps)} req/s: ours ${(ours.rps / peer2.rps).toFixed(2)}x)` : ""}`,
          ratio: ours.rps / peer1.rps,
          target: 3.0,
        });
      }
      if (connections === 64) {
        reportAim({
          name: `p99 at 64 connections vs 100 ms${label}`,
          measured: `p99 ${ours.p99.toFixed(1)} ms (cache ${cache}${peer1 ? `, FastAPI 1 worker ${peer1.p99.toFixed(1)} ms` : ""})`,
          peer: "100 ms",
          ratio: 100 / ours.p99,
          target: 1.0,
        });
      }
    }
  }
  duckdb.close();
} finally {
  for (const child of children.reverse()) {
    if (child.exitCode !== null) continue;
    child.kill("SIGTERM");
    await once(child, "exit");
  }
}
