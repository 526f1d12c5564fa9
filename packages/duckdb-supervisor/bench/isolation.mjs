// Isolation bench: user Y's SELECT 1 idle and during 8 runaway queries from user X, peak
// RSS of the whole tree (front + workers) against the budget, and the front's overhead.
// Run after `pnpm build`: `pnpm --filter @isa-cloud/duckdb-supervisor bench`.
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { startMinioService } from "@isa-cloud/minio-service";
import { DuckDBServiceDefinition } from "@isa-cloud/proto";
import { signToken } from "@isa-cloud/rpc-server";
import { createChannel, createClient, Metadata } from "nice-grpc";
import { pino } from "pino";
import { startDuckdbSupervisor } from "../dist/index.js";

const SECRET = "bench-secret";
const WORKERS = 2;
const BUDGET_MIB = Number(process.env.BENCH_WORKER_MEMORY_MB ?? 1024);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 300);
const RUNAWAYS = [
  "SELECT count(*) FROM range(1000000) a, range(1000000) b",
  "SELECT length(repeat('x', 1000000000))",
  "SELECT max(x) FROM (SELECT range(100000000) x)",
  "SELECT count(*) FROM range(1000000) a, range(1000000) b WHERE a.range + b.range = 7",
];

const dir = await mkdtemp(join(tmpdir(), "duckdb-supervisor-bench-"));
const storage = await startMinioService({
  host: "127.0.0.1",
  port: 0,
  httpPort: 0,
  backend: { kind: "fs", root: join(dir, "objects") },
  auth: { hs256Secret: SECRET },
  presignSecret: "bench",
  maxMessageBytes: 8 * 1024 * 1024,
  logLevel: "silent",
});
const supervisor = await startDuckdbSupervisor({
  host: "127.0.0.1",
  port: 0,
  cacheDir: join(dir, "duckdb"),
  workers: WORKERS,
  workerMemoryMiB: BUDGET_MIB,
  graceMs: 1500,
  queryTimeoutMs: 300_000,
  maxQueryTimeoutMs: 3_600_000,
  workerThreadpoolSize: 16,
  maxMessageBytes: 8 * 1024 * 1024,
  workerEnv: {
    PATH: process.env.PATH,
    ISA_JWT_SECRET: SECRET,
    MINIO_GRPC_HOST: "127.0.0.1",
    MINIO_GRPC_PORT: String(storage.port),
    DUCKDB_TOTAL_THREADS: "2",
    LOG_LEVEL: "warn",
  },
  workerLog: new Writable({ write: (_c, _e, done) => done() }),
  logger: pino({ level: "silent" }),
});

const channels = [];
async function client(user, port = supervisor.port) {
  const channel = createChannel(`127.0.0.1:${port}`);
  channels.push(channel);
  const token = await signToken({ secret: SECRET, sub: user });
  return createClient(DuckDBServiceDefinition, channel, {
    "*": { metadata: Metadata({ authorization: `Bearer ${token}` }) },
  });
}
const rss = (pid) => {
  try {
    return Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) / 1024;
  } catch {
    return 0;
  }
};
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
async function timed(y, n, pauseMs = 0) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await y.executeQuery({ databaseId: "y", query: "SELECT 1" });
    out.push(performance.now() - t);
    if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
  }
  return out;
}

try {
  const x = await client("xavier");
  const y = await client("yolanda");
  await x.createDatabase({ databaseName: "x" });
  await y.createDatabase({ databaseName: "y" });
  await timed(y, 20);
  const owners = (await readFile(join(dir, "duckdb", "workers", "owners.jsonl"), "utf8"))
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  const yWorker = owners.find((o) => o.owner === "user:yolanda").worker;
  const yDirect = await client("yolanda", supervisor.stats().workers[yWorker].port);
  await timed(yDirect, 20);

  const direct = await timed(yDirect, SAMPLES);
  const front = await timed(y, SAMPLES);

  let peak = 0;
  const sampler = setInterval(() => {
    const tree = supervisor.stats().workers.reduce((sum, w) => sum + (w.pid ? rss(w.pid) : 0), 0);
    peak = Math.max(peak, tree + rss(process.pid));
  }, 200);
  const started = Date.now();
  let done = false;
  const bombs = Promise.all(
    [...RUNAWAYS, ...RUNAWAYS].map((query) =>
      x.executeQuery({ databaseId: "x", query, timeoutSeconds: 5 }).then(
        () => "OK",
        (err) => err.code,
      ),
    ),
  ).finally(() => {
    done = true;
  });
  const during = [];
  while (!done) during.push(...(await timed(y, 1, 50)));
  const codes = await bombs;
  clearInterval(sampler);
  const stats = supervisor.stats();

  const f = (v) => v.toFixed(2).padStart(8);
  console.log(`Y's SELECT 1 (ms)                 p50      p99      max    n`);
  console.log(
    `direct to Y's worker          ${f(pct(direct, 50))} ${f(pct(direct, 99))} ${f(Math.max(...direct))}  ${direct.length}`,
  );
  console.log(
    `through the front, idle       ${f(pct(front, 50))} ${f(pct(front, 99))} ${f(Math.max(...front))}  ${front.length}`,
  );
  console.log(
    `through the front, 8 bombs    ${f(pct(during, 50))} ${f(pct(during, 99))} ${f(Math.max(...during))}  ${during.length}`,
  );
  console.log(
    `bombs ended after ${((Date.now() - started) / 1000).toFixed(1)} s with status codes ${codes.join(",")}`,
  );
  console.log(
    `kills ${JSON.stringify(stats.kills)}, crashes ${stats.crashes}, restarts ${stats.restarts}`,
  );
  console.log(
    `peak RSS of the tree (bench process incl. storage + workers): ${peak.toFixed(0)} MiB; budget ${WORKERS} x ${BUDGET_MIB} MiB for workers`,
  );
} finally {
  for (const c of channels) c.close();
  await supervisor.close();
  await storage.close();
  await rm(dir, { recursive: true, force: true });
}
