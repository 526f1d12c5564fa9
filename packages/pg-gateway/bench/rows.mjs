// Benchmark: the same results read through the gateway with `pg` and straight from the
// analytics service with duckdb-client. Never part of the tests; run after `build`:
//   pnpm --filter @isa-cloud/pg-gateway bench      (BENCH_ROWS, BENCH_SMALL resize it)
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createDuckdbClient } from "@isa-cloud/duckdb-client";
import { signToken } from "@isa-cloud/rpc-server";
import pg from "pg";
import Cursor from "pg-cursor";

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const SMALL = Number(process.env.BENCH_SMALL ?? 2_000);
const LARGE = `SELECT range AS id, range * 0.5 AS value, 'row-' || range AS label FROM range(${ROWS})`;

const server = spawn(process.execPath, [fileURLToPath(new URL("./serve.mjs", import.meta.url))], {
  stdio: ["pipe", "pipe", "inherit"],
});
const { pgPort, analytics, secret } = JSON.parse(
  await new Promise((resolve) => createInterface({ input: server.stdout }).once("line", resolve)),
);
const token = await signToken({ secret, sub: "bench" });
const client = createDuckdbClient({ address: analytics, token });
await client.createDatabase("bench");
await client.execute(
  "bench",
  "CREATE TABLE small AS SELECT range AS id, 'k' || range AS kind FROM range(1000)",
);
const pgClient = new pg.Client({
  host: "127.0.0.1",
  port: pgPort,
  user: "bench",
  database: "bench",
  password: token,
});
await pgClient.connect();

const rate = (n, ms) => Math.round((n / ms) * 1000).toLocaleString("en-US");
const pct = (xs, p) =>
  xs.toSorted((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

async function timed(fn) {
  const start = performance.now();
  const n = await fn();
  return { n, ms: performance.now() - start };
}

const large = [];
const viaPg = await timed(async () => {
  const cursor = pgClient.query(new Cursor(LARGE));
  let n = 0;
  for (;;) {
    const rows = await cursor.read(10_000);
    if (rows.length === 0) break;
    n += rows.length;
  }
  await cursor.close();
  return n;
});
large.push({
  path: "pg + pg-cursor through the gateway",
  rows: viaPg.n,
  "rows/s": rate(viaPg.n, viaPg.ms),
});
const viaPgQuery = await timed(async () => (await pgClient.query(LARGE)).rowCount);
large.push({
  path: "pg, one query (whole result in the client)",
  rows: viaPgQuery.n,
  "rows/s": rate(viaPgQuery.n, viaPgQuery.ms),
});
const viaGrpc = await timed(async () => {
  let n = 0;
  for await (const _ of client.queryStream("bench", LARGE)) n++;
  return n;
});
large.push({
  path: "duckdb-client queryStream (gRPC, columnar)",
  rows: viaGrpc.n,
  "rows/s": rate(viaGrpc.n, viaGrpc.ms),
});
console.log(`\n${ROWS.toLocaleString("en-US")} rows x 3 columns`);
console.table(large);

const small = [];
for (const [path, run] of [
  [
    "pg through the gateway",
    (id) => pgClient.query("SELECT id, kind FROM small WHERE id = $1", [id]),
  ],
  [
    "duckdb-client query (gRPC)",
    (id) => client.query("bench", "SELECT id, kind FROM small WHERE id = $id", { id }),
  ],
]) {
  for (let i = 0; i < 50; i++) await run(i); // warm-up
  const latencies = [];
  for (let i = 0; i < SMALL; i++) {
    const start = performance.now();
    await run(i % 1000);
    latencies.push(performance.now() - start);
  }
  small.push({
    path,
    queries: SMALL,
    "p50 ms": pct(latencies, 0.5).toFixed(2),
    "p99 ms": pct(latencies, 0.99).toFixed(2),
  });
}
console.log("\nsmall query by key, one at a time");
console.table(small);

await pgClient.end();
client.close();
server.stdin.end();
await new Promise((resolve) => server.once("exit", resolve));
