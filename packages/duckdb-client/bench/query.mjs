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
import { reportAim } from "../../../scripts/bench-aims.mjs";
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
      // Every column's values: typed arrays for the numbers and timestamps, the text of
      // VARCHAR and DECIMAL decoded, as getColumnValues gives a value per cell.
      "service, columnBatches (column values)": columnar(async (stream, add) => {
        for await (const batch of stream.columnBatches()) {
          for (const vector of batch.vectors) vector.values();
          add(batch.rowCount);
        }
      }),
      "service, batches (row objects)": columnar(async (stream, add) => {
        for await (const batch of stream.batches()) add(batch.rows.length);
      }),
      "service, rows one by one (row objects)": columnar(async (stream, add) => {
        for await (const _row of stream) add(1);
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
    const columnValues = median(rates["service, columnBatches (column values)"]);
    reportAim({
      name: "columnar stream 1M rows x 5 cols vs in-process column values",
      measured: `${fmt(columnValues)} rows/s`,
      peer: `in-process getColumnValues ${fmt(values)} rows/s`,
      ratio: columnValues / values,
      target: 1,
    });
    const rowObjects = median(rates["service, batches (row objects)"]);
    reportAim({
      name: "columnar stream 1M rows x 5 cols as row objects vs in-process row objects",
      measured: `${fmt(rowObjects)} rows/s`,
      peer: `in-process yieldRowObjectJs ${fmt(objects)} rows/s`,
      ratio: rowObjects / objects,
      target: 1,
    });
  }

  if (process.env.BENCH_PART !== "large") {
    // ---- small queries: this client next to the integration guide's Python (grpcio), each
    // with the id bound as $id and pasted into the SQL, rounds in alternating order; and
    // two floors with no client layers at all, to tell our cost from the transport's: the
    // same bound call made with grpc-js alone (what the client runs on) and with a bare
    // node:http2 stream (no gRPC library).
    const grpc = await import("@grpc/grpc-js");
    const { duckdb } = await import("@isa-cloud/proto");
    const literalSql = (id) => `SELECT id, label, amount FROM items WHERE id = ${id}`;
    const small = {};
    const record = (name, figures) => {
      small[name] ??= [];
      small[name].push(figures);
    };
    const js = createDuckdbClient({ address, token });
    const boundRequest = (i) => ({
      databaseId: DB,
      userId: "",
      query: SMALL_SQL,
      parameters: { id: { kind: { $case: "intValue", value: BigInt(i % 10000) } } },
      maxRows: 0,
      timeoutSeconds: 0,
      explain: false,
      readOnly: false,
    });
    // What the guide's _convert_value does (python-peer.py's rows_of): each cell's value.
    const cells = (response) => response.rows.map((row) => row.values.map((v) => v.kind?.value));
    const PATH = "/isa.duckdb.DuckDBService/ExecuteQuery";
    const encodeRequest = (request) =>
      Buffer.from(duckdb.ExecuteQueryRequest.encode(request).finish());
    const grpcJs = new grpc.Client(address, grpc.credentials.createInsecure());
    const grpcMetadata = new grpc.Metadata();
    grpcMetadata.set("authorization", `Bearer ${token}`);
    const grpcJsCall = (i) =>
      new Promise((resolve, reject) => {
        grpcJs.makeUnaryRequest(
          PATH,
          encodeRequest,
          (bytes) => duckdb.ExecuteQueryResponse.decode(bytes),
          boundRequest(i),
          grpcMetadata,
          { deadline: Date.now() + 30_000 },
          (err, response) => (err ? reject(err) : resolve(cells(response))),
        );
      });
    const { connect } = await import("node:http2");
    const session = connect(`http://${address}`);
    const http2Call = (i) =>
      new Promise((resolve, reject) => {
        const message = encodeRequest(boundRequest(i));
        const frame = Buffer.allocUnsafe(5 + message.length);
        frame[0] = 0;
        frame.writeUInt32BE(message.length, 1);
        message.copy(frame, 5);
        const stream = session.request({
          ":method": "POST",
          ":path": PATH,
          "content-type": "application/grpc",
          te: "trailers",
          "grpc-timeout": "30S",
          authorization: `Bearer ${token}`,
        });
        const chunks = [];
        let status;
        stream.on("data", (chunk) => chunks.push(chunk));
        stream.on("trailers", (trailers) => {
          status = trailers["grpc-status"];
        });
        stream.on("error", reject);
        stream.on("end", () => {
          if (status !== "0") return reject(new Error(`grpc-status ${status}`));
          const body = Buffer.concat(chunks);
          resolve(cells(duckdb.ExecuteQueryResponse.decode(body.subarray(5))));
        });
        stream.end(frame);
      });
    const jsRun = async (call) => {
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
    // Settle: the service has just written the table; give it calls until it is warm.
    for (let i = 0; i < 1_000; i++) await js.query(DB, SMALL_SQL, { id: i });
    const CLIENT = "client, $id bound";
    const LITERAL = "client, id in the SQL";
    const PEER = "Python grpcio (guide), $id bound";
    for (let round = 0; round < REPEATS; round++) {
      const runs = [
        [CLIENT, () => jsRun((i) => js.query(DB, SMALL_SQL, { id: i % 10000 }))],
        [LITERAL, () => jsRun((i) => js.query(DB, literalSql(i % 10000)))],
        ["floor: grpc-js alone, $id bound", () => jsRun(grpcJsCall)],
        ["floor: node:http2 alone, $id bound", () => jsRun(http2Call)],
        [PEER, () => pyRun(true)],
        ["Python grpcio (guide), id in the SQL", () => pyRun(false)],
      ];
      // Each round starts at another way, so that no way is first (right after the table
      // was written, while the service may still be busy with it) in two rounds of three.
      const start = round * 2;
      for (const [name, run] of [...runs.slice(start), ...runs.slice(0, start)]) {
        record(name, await run());
      }
    }
    js.close();
    grpcJs.close();
    session.close();
    const medianOf = (name, key) => median(small[name].map((r) => r[key]));
    const table = {};
    for (const name of Object.keys(small)) {
      table[name] = {
        "queries/s (1 in flight)": fmt(medianOf(name, "qps")),
        "p50 ms": medianOf(name, "p50").toFixed(2),
        "p99 ms": medianOf(name, "p99").toFixed(2),
        "client CPU ms/query": medianOf(name, "cpuMs").toFixed(3),
        "queries/s (32 in flight)": fmt(medianOf(name, "qps32")),
        "q/s vs Python bound (1 / 32 in flight)": `${(medianOf(name, "qps") / medianOf(PEER, "qps")).toFixed(2)} / ${(medianOf(name, "qps32") / medianOf(PEER, "qps32")).toFixed(2)}`,
      };
    }
    console.log(
      `\nSmall query (${SMALL_SQL}; ${fmt(SMALL)} sequential, then ${fmt(SMALL * 2)} with 32 in flight; one channel; median of ${REPEATS} rounds, each starting at another way; load average ${loadavg()[0].toFixed(1)})`,
    );
    console.table(table);
    const qps = (name) => `${fmt(medianOf(name, "qps"))} q/s`;
    const qps32 = (name) => `${fmt(medianOf(name, "qps32"))} q/s`;
    const cpu = (name) => `${medianOf(name, "cpuMs").toFixed(3)} ms`;
    reportAim({
      name: "small query q/s, 1 in flight, vs Python grpcio",
      measured: qps(CLIENT),
      peer: `Python ${qps(PEER)}`,
      ratio: medianOf(CLIENT, "qps") / medianOf(PEER, "qps"),
      target: 1,
    });
    reportAim({
      name: "small query q/s, 32 in flight, vs Python grpcio",
      measured: qps32(CLIENT),
      peer: `Python ${qps32(PEER)}`,
      ratio: medianOf(CLIENT, "qps32") / medianOf(PEER, "qps32"),
      target: 1,
    });
    reportAim({
      name: "client CPU per small query vs Python grpcio",
      measured: cpu(CLIENT),
      peer: `Python ${cpu(PEER)} (floors: grpc-js alone ${cpu("floor: grpc-js alone, $id bound")}, node:http2 alone ${cpu("floor: node:http2 alone, $id bound")})`,
      ratio: medianOf(PEER, "cpuMs") / medianOf(CLIENT, "cpuMs"),
      target: 1,
    });
    reportAim({
      name: "p99 at 1 in flight vs 5 ms",
      measured: `${medianOf(CLIENT, "p99").toFixed(2)} ms`,
      peer: `5 ms (Python ${medianOf(PEER, "p99").toFixed(2)} ms)`,
      ratio: 5 / medianOf(CLIENT, "p99"),
      target: 1,
    });
    // Time per query at 1 in flight, the service's binding included.
    reportAim({
      name: "bound parameter vs literal SQL",
      measured: `$id bound ${qps(CLIENT)}`,
      peer: `id in the SQL ${qps(LITERAL)}`,
      ratio: medianOf(CLIENT, "qps") / medianOf(LITERAL, "qps"),
      target: 0.95,
    });
  }
  client.close();
} finally {
  server.stdin.end();
  await once(server, "exit");
}
