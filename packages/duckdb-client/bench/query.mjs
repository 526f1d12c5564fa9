// End-to-end query speed of @isa-cloud/duckdb-client against the real service (in a
// child process, as in production), next to the same work done in-process with
// @duckdb/node-api. Run: pnpm --filter @isa-cloud/duckdb-client bench (after build).
// Env: BENCH_ROWS (default 1_000_000), BENCH_SMALL (small queries per run, default 2_000),
// BENCH_PART ("large" or "small": only that part).
import { spawn } from "node:child_process";
import { once } from "node:events";
import { loadavg } from "node:os";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { descriptorSetPath } from "@isa-cloud/proto";
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

const server = spawn(
  process.execPath,
  [fileURLToPath(new URL("./serve.mjs", import.meta.url)), SECRET],
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

try {
  const client = createDuckdbClient({ address, token });
  await client.createDatabase(DB);
  await client.execute(
    DB,
    "CREATE TABLE items AS SELECT i AS id, 'item-' || i AS label, i * 1.25 AS amount FROM range(10000) t(i)",
  );

  // ---- large result: through the service vs in-process, the ways interleaved round by
  // round so that a change of load hits all of them alike (BENCH_PART=small skips it).
  if (process.env.BENCH_PART !== "small") {
    const instance = await DuckDBInstance.create(":memory:");
    const conn = await instance.connect();
    const columnar = (read) => async () => {
      let n = 0;
      await read(client.queryStream(DB, LARGE, {}, { transport: "columnar" }), (k) => {
        n += k;
      });
      return n;
    };
    const ways = {
      "in-process, yieldRowObjectJs (row objects)": async () => {
        let n = 0;
        const result = await conn.stream(LARGE);
        for await (const rows of result.yieldRowObjectJs()) n += rows.length;
        return n;
      },
      "in-process, getColumnValues per chunk (column values)": async () => {
        let n = 0;
        const result = await conn.stream(LARGE);
        for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; ) {
          for (let c = 0; c < chunk.columnCount; c++) chunk.getColumnValues(c);
          n += chunk.rowCount;
          chunk = await result.fetchChunk();
        }
        return n;
      },
      "service, ExecuteQueryColumnar, rows": columnar(async (stream, add) => {
        for await (const _row of stream) add(1);
      }),
      "service, ExecuteQueryColumnar, batches": columnar(async (stream, add) => {
        for await (const batch of stream.batches()) add(batch.rows.length);
      }),
    };
    const rates = Object.fromEntries(Object.keys(ways).map((name) => [name, []]));
    for (let round = 0; round < REPEATS; round++) {
      for (const [name, run] of Object.entries(ways)) {
        const start = performance.now();
        const n = await run();
        const ms = performance.now() - start;
        if (n !== ROWS) throw new Error(`${name}: expected ${ROWS} rows, got ${n}`);
        rates[name].push((n / ms) * 1000);
      }
    }
    conn.closeSync();

    const objects = median(rates["in-process, yieldRowObjectJs (row objects)"]);
    const values = median(rates["in-process, getColumnValues per chunk (column values)"]);
    console.log(
      `\nLarge result: ${fmt(ROWS)} rows x 5 columns (BIGINT, INTEGER, DECIMAL(21,1), VARCHAR, TIMESTAMP), median of ${REPEATS} interleaved rounds, load average ${loadavg()[0].toFixed(1)}`,
    );
    const large = {};
    for (const [name, runs] of Object.entries(rates)) {
      const rate = median(runs);
      large[name] = {
        "rows/s": fmt(rate),
        "vs row objects": `${((rate / objects) * 100).toFixed(0)}%`,
        "vs column values": `${((rate / values) * 100).toFixed(0)}%`,
      };
    }
    console.table(large);
  }

  if (process.env.BENCH_PART !== "large") {
    // ---- small queries: this client next to the integration guide's Python (grpcio), each
    // with the id bound as $id and pasted into the SQL, rounds in alternating order.
    const literalSql = (id) => `SELECT id, label, amount FROM items WHERE id = ${id}`;
    const small = {};
    const record = (name, figures) => {
      small[name] ??= [];
      small[name].push(figures);
    };
    const js = createDuckdbClient({ address, token });
    const jsRun = async (bound) => {
      const call = (i) =>
        bound ? js.query(DB, SMALL_SQL, { id: i % 10000 }) : js.query(DB, literalSql(i % 10000));
      for (let i = 0; i < 200; i++) await call(i);
      const latencies = [];
      const cpu = process.cpuUsage();
      const begin = performance.now();
      for (let i = 0; i < SMALL; i++) {
        const start = performance.now();
        await call(i);
        latencies.push(performance.now() - start);
      }
      const seconds = (performance.now() - begin) / 1000;
      const used = process.cpuUsage(cpu);
      latencies.sort((a, b) => a - b);
      let next = 0;
      const start = performance.now();
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          while (next < SMALL * 2) await call(next++);
        }),
      );
      return {
        qps: SMALL / seconds,
        p50: pct(latencies, 0.5),
        p99: pct(latencies, 0.99),
        cpuMs: (used.user + used.system) / 1000 / SMALL,
        qps32: ((SMALL * 2) / (performance.now() - start)) * 1000,
      };
    };
    const pyRun = async (bound) => {
      const python = spawn(
        process.env.BENCH_PYTHON ?? "/usr/bin/python3",
        [
          fileURLToPath(new URL("./python-peer.py", import.meta.url)),
          address,
          token,
          descriptorSetPath,
          DB,
          String(SMALL),
          bound ? "param" : "literal",
        ],
        { stdio: ["ignore", "pipe", "inherit"] },
      );
      const [out] = await once(createInterface({ input: python.stdout }), "line");
      await once(python, "exit");
      return JSON.parse(out);
    };
    for (let round = 0; round < REPEATS; round++) {
      const runs = [
        ["client, $id bound", () => jsRun(true)],
        ["client, id in the SQL", () => jsRun(false)],
        ["Python grpcio (guide), $id bound", () => pyRun(true)],
        ["Python grpcio (guide), id in the SQL", () => pyRun(false)],
      ];
      for (const [name, run] of round % 2 === 0 ? runs : runs.reverse()) record(name, await run());
    }
    js.close();
    const medianOf = (name, key) => median(small[name].map((r) => r[key]));
    const peer = "Python grpcio (guide), $id bound";
    const table = {};
    for (const name of Object.keys(small)) {
      table[name] = {
        "queries/s (1 in flight)": fmt(medianOf(name, "qps")),
        "p50 ms": medianOf(name, "p50").toFixed(2),
        "p99 ms": medianOf(name, "p99").toFixed(2),
        "client CPU ms/query": medianOf(name, "cpuMs").toFixed(3),
        "queries/s (32 in flight)": fmt(medianOf(name, "qps32")),
        "q/s vs Python bound (1 / 32 in flight)": `${(medianOf(name, "qps") / medianOf(peer, "qps")).toFixed(2)} / ${(medianOf(name, "qps32") / medianOf(peer, "qps32")).toFixed(2)}`,
      };
    }
    console.log(
      `\nSmall query (${SMALL_SQL}; ${fmt(SMALL)} sequential, then ${fmt(SMALL * 2)} with 32 in flight; one channel; median of ${REPEATS} alternating rounds; load average ${loadavg()[0].toFixed(1)})`,
    );
    console.table(table);
    console.log(
      `bound / literal, client: ${(medianOf("client, id in the SQL", "qps") / medianOf("client, $id bound", "qps")).toFixed(2)}x the time per query`,
    );
  }
  client.close();
} finally {
  server.stdin.end();
  await once(server, "exit");
}
