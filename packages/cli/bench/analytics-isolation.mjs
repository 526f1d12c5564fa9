// Bench of the issue "analytics isolation": the whole stack as `isa start` runs it (a
// child process of the `isa` bin: storage, analytics behind the supervisor with its
// worker processes, Postgres endpoint, API; ports 0, a temp data dir) under BENCH_CLIENTS
// (100) concurrent clients, each a user of its own with a minio-client and a
// duckdb-client, each running BENCH_OPS (1,000) operations drawn from a fixed mix of
// put, get, list and query. Prints errors, p50 and p99 per operation, throughput, and
// the RSS of every service process (the `isa start` process and its descendants) idle
// before and after the load, with each one's peak.
//   pnpm --filter @isa-cloud/cli build && node packages/cli/bench/analytics-isolation.mjs
//   BENCH_OPS=100 (shorter), BENCH_CLIENTS, BENCH_OBJECT_BYTES (1024), BENCH_TABLE_ROWS (10000)
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createDuckdbClient } from "@isa-cloud/duckdb-client";
import { createMinioClient } from "@isa-cloud/minio-client";
import { signToken } from "@isa-cloud/rpc-server";

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 100);
const OPS = Number(process.env.BENCH_OPS ?? 1000);
const OBJECT_BYTES = Number(process.env.BENCH_OBJECT_BYTES ?? 1024);
const TABLE_ROWS = Number(process.env.BENCH_TABLE_ROWS ?? 10_000);
/** Keys each client writes over and over: bounds what `list` returns. */
const KEYS = 50;
const OPERATIONS = ["put", "get", "list", "query"];
const bin = fileURLToPath(new URL("../dist/launcher.cjs", import.meta.url));

const dir = await mkdtemp(join(tmpdir(), "isa-isolation-bench-"));
const secret = randomBytes(32).toString("hex");
const stack = spawn(process.execPath, [bin, "start", "--data-dir", join(dir, "data")], {
  cwd: dir,
  env: {
    PATH: process.env.PATH,
    XDG_CONFIG_HOME: join(dir, "config"),
    XDG_STATE_HOME: join(dir, "state"),
    ISA_JWT_SECRET: secret,
    MINIO_GRPC_PORT: "0",
    MINIO_HTTP_PORT: "0",
    DUCKDB_GRPC_PORT: "0",
    DUCKDB_PG_PORT: "0",
    API_PORT: "0",
  },
  stdio: ["ignore", "pipe", "inherit"],
});

/** A deterministic PRNG (mulberry32): the same operation sequence on every run. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pct = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** The pid and every descendant of it, with command line, RSS and peak RSS (KiB). */
async function processTree(root) {
  const parents = new Map();
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, "utf8");
      // The command name is in parentheses and may hold spaces: fields follow the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parents.set(Number(name), ppid);
    } catch {
      // Ended meanwhile.
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, ppid] of parents) if (ppid === tree[i]) tree.push(pid);
  }
  const out = [];
  for (const pid of tree) {
    try {
      const status = await readFile(`/proc/${pid}/status`, "utf8");
      const cmd = (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0").filter(Boolean);
      const kb = (field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
      out.push({
        pid,
        what:
          pid === root
            ? "isa start (storage, analytics front, postgres, API)"
            : `child: ${
                cmd
                  .findLast((a) => /\.[cm]?js$/.test(a))
                  ?.split("/")
                  .slice(-3)
                  .join("/") ?? cmd[0]
              }`,
        rssKb: kb("VmRSS"),
        peakKb: kb("VmHWM"),
      });
    } catch {
      // Ended meanwhile.
    }
  }
  return out;
}

const mib = (kb) => `${(kb / 1024).toFixed(0)} MiB`;

function printTree(title, tree) {
  console.log(`\n${title}`);
  for (const p of tree) {
    console.log(
      `  pid ${String(p.pid).padEnd(8)} ${p.what.padEnd(60)} RSS ${mib(p.rssKb).padStart(9)}  peak ${mib(p.peakKb).padStart(9)}`,
    );
  }
  const total = tree.reduce((n, p) => n + p.rssKb, 0);
  console.log(`  ${"total".padEnd(69)} RSS ${mib(total).padStart(9)}`);
}

const clients = [];
try {
  const out = await new Promise((resolve, reject) => {
    let text = "";
    stack.stdout.on("data", (chunk) => {
      text += chunk;
      if (text.includes("Stop with Ctrl-C.")) resolve(text);
    });
    stack.once("exit", (code) => reject(new Error(`isa start exited ${code}:\n${text}`)));
  });
  const address = (service) => new RegExp(`${service} +ready on (\\S+)`).exec(out)[1];
  const storageAddress = address("storage");
  const analyticsAddress = address("analytics");

  // One user per client: each has a bucket, and a database the supervisor routes to a
  // worker by owner, so the load spreads over the workers as tenants' would.
  const body = Buffer.alloc(OBJECT_BYTES, 120);
  const setupStarted = performance.now();
  for (let i = 0; i < CLIENTS; i++) {
    const token = await signToken({ secret, sub: `bench-user-${i}`, expiresIn: "2h" });
    clients.push({
      bucket: `bench-${i}`,
      storage: createMinioClient({ address: storageAddress, token }),
      analytics: createDuckdbClient({ address: analyticsAddress, token }),
    });
  }
  await Promise.all(
    clients.map(async (c) => {
      await c.storage.createBucket(c.bucket);
      for (let k = 0; k < KEYS; k++) await c.storage.putObject(c.bucket, `k-${k}`, body);
      await c.analytics.createDatabase("bench");
      await c.analytics.execute(
        "bench",
        `CREATE TABLE t AS SELECT range AS x, range * 0.5 AS v, 'label-' || (range % 100) AS s FROM range(${TABLE_ROWS})`,
      );
    }),
  );
  console.log(
    `analytics isolation bench: ${CLIENTS} clients x ${OPS} operations (put ${OBJECT_BYTES} B, get, list of ${KEYS}, query of ${TABLE_ROWS} rows), ` +
      `node ${process.version}; setup ${((performance.now() - setupStarted) / 1000).toFixed(1)} s`,
  );
  await new Promise((r) => setTimeout(r, 2000)); // let start-up garbage settle
  printTree("service processes before the load (idle, after setup):", await processTree(stack.pid));

  const latencies = Object.fromEntries(OPERATIONS.map((op) => [op, []]));
  const errors = Object.fromEntries(OPERATIONS.map((op) => [op, 0]));
  const firstErrors = [];
  const run = {
    put: (c, rnd) => c.storage.putObject(c.bucket, `k-${Math.floor(rnd() * KEYS)}`, body),
    get: async (c, rnd) => {
      const got = await c.storage.getObject(c.bucket, `k-${Math.floor(rnd() * KEYS)}`);
      if (got.length !== OBJECT_BYTES) throw new Error(`got ${got.length} bytes`);
    },
    list: async (c) => {
      let n = 0;
      for await (const _ of c.storage.listObjects(c.bucket)) n++;
      if (n !== KEYS) throw new Error(`listed ${n} objects`);
    },
    query: (c, rnd) =>
      c.analytics.query(
        "bench",
        "SELECT s, count(*) AS n, sum(v) AS total FROM t WHERE x % 97 = $k GROUP BY s ORDER BY s LIMIT 10",
        { k: Math.floor(rnd() * 97) },
      ),
  };
  const started = performance.now();
  await Promise.all(
    clients.map(async (c, i) => {
      const rnd = random(i + 1);
      for (let n = 0; n < OPS; n++) {
        const op = OPERATIONS[Math.floor(rnd() * OPERATIONS.length)];
        const t = performance.now();
        try {
          await run[op](c, rnd);
          latencies[op].push(performance.now() - t);
        } catch (err) {
          errors[op]++;
          if (firstErrors.length < 5) firstErrors.push(`${op}: ${err.message}`);
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const total = CLIENTS * OPS;

  console.log(
    `\n${total.toLocaleString("en")} operations in ${seconds.toFixed(1)} s: ${Math.round(total / seconds).toLocaleString("en")} ops/s`,
  );
  console.log(
    `${"operation".padEnd(10)} ${"count".padStart(8)} ${"errors".padStart(7)} ${"p50".padStart(9)} ${"p99".padStart(9)}`,
  );
  for (const op of OPERATIONS) {
    const sorted = latencies[op].sort((a, b) => a - b);
    console.log(
      `${op.padEnd(10)} ${String(sorted.length + errors[op]).padStart(8)} ${String(errors[op]).padStart(7)} ${`${pct(sorted, 50).toFixed(1)} ms`.padStart(9)} ${`${pct(sorted, 99).toFixed(1)} ms`.padStart(9)}`,
    );
  }
  for (const line of firstErrors) console.log(`  error: ${line}`);
  await new Promise((r) => setTimeout(r, 2000));
  printTree("service processes after the load (idle again):", await processTree(stack.pid));
} finally {
  for (const c of clients) {
    c.storage.close();
    c.analytics.close();
  }
  if (stack.exitCode === null && stack.signalCode === null) {
    const exited = new Promise((r) => stack.once("exit", r));
    stack.kill("SIGINT");
    const timer = setTimeout(() => stack.kill("SIGKILL"), 30_000);
    await exited;
    clearTimeout(timer);
  }
  await rm(dir, { recursive: true, force: true });
}
