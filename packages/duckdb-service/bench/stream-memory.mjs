// Peak memory of the analytics server (a child process running the bin) while a client
// streams a 10-million-row result, next to the same query read in-process with
// @duckdb/node-api. Run after `pnpm build`: `pnpm bench` (BENCH_ROWS overrides the size).
import { execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startMinioService } from "@isa-cloud/minio-service";
import { DuckDBServiceDefinition } from "@isa-cloud/proto";
import { signToken } from "@isa-cloud/rpc-server";
import { createChannel, createClient, Metadata } from "nice-grpc";

const ROWS = Number(process.env.BENCH_ROWS ?? 10_000_000);
const SQL = `SELECT range AS id, range * 0.5 AS value, 'row-' || range AS label FROM range(${ROWS})`;
const SECRET = "bench-secret";
const here = (p) => fileURLToPath(new URL(p, import.meta.url));

const freePort = () =>
  new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

async function status(pid) {
  const text = await readFile(`/proc/${pid}/status`, "utf8");
  const kib = (name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(text)?.[1] ?? 0);
  return { rssKiB: kib("VmRSS"), hwmKiB: kib("VmHWM") };
}

/** Resets the peak (VmHWM) to the current RSS; false where the kernel does not allow it. */
async function resetPeak(pid) {
  try {
    await writeFile(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

const mib = (kib) => `${(kib / 1024).toFixed(0)} MiB`;

const dir = await mkdtemp(join(tmpdir(), "duckdb-bench-"));
const storage = await startMinioService({
  host: "127.0.0.1",
  port: 0,
  httpPort: 0,
  backend: { kind: "fs", root: join(dir, "objects") },
  auth: { hs256Secret: SECRET },
  presignSecret: "bench",
  maxMessageBytes: 8 * 1024 * 1024,
  logLevel: "warn",
});
const port = await freePort();
const server = spawn(process.execPath, [here("../dist/bin.js")], {
  env: {
    ...process.env,
    DUCKDB_GRPC_HOST: "127.0.0.1",
    DUCKDB_GRPC_PORT: String(port),
    ISA_DATA_DIR: dir,
    MINIO_GRPC_HOST: "127.0.0.1",
    MINIO_GRPC_PORT: String(storage.port),
    ISA_JWT_SECRET: SECRET,
    LOG_LEVEL: "warn",
  },
  stdio: ["ignore", "inherit", "inherit"],
});
const channel = createChannel(`127.0.0.1:${port}`);
const token = await signToken({ secret: SECRET, sub: "bench" });
const client = createClient(DuckDBServiceDefinition, channel, {
  "*": { metadata: Metadata({ authorization: `Bearer ${token}` }) },
});

async function streamThroughServer(method) {
  const peakReset = await resetPeak(server.pid);
  let sampledKiB = 0;
  const sampler = setInterval(async () => {
    sampledKiB = Math.max(sampledKiB, (await status(server.pid)).rssKiB);
  }, 50);
  const started = performance.now();
  let rows = 0;
  for await (const chunk of client[method]({ databaseId: "bench", query: SQL })) {
    rows += method === "executeQueryColumnar" ? chunk.rowCount : chunk.rows.length;
  }
  const ms = performance.now() - started;
  clearInterval(sampler);
  const { hwmKiB } = await status(server.pid);
  return { rows, ms, peakKiB: peakReset ? hwmKiB : Math.max(sampledKiB, 0), peakReset };
}

try {
  for (let i = 0; ; i++) {
    try {
      await client.healthCheck({ databaseId: "", detailed: false });
      break;
    } catch (err) {
      if (i > 100) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await client.createDatabase({ databaseName: "bench" });
  await client.executeQuery({ databaseId: "bench", query: "SELECT 1" });
  const idle = await status(server.pid);
  const rowStream = await streamThroughServer("executeQueryStream");
  const columnar = await streamThroughServer("executeQueryColumnar");

  const run = promisify(execFile);
  const inProcess = async (mode) =>
    JSON.parse(
      (await run(process.execPath, [here("./in-process.mjs"), mode, SQL], { maxBuffer: 1 << 20 }))
        .stdout,
    );
  const streamed = await inProcess("streamed");
  const materialized = await inProcess("materialized");

  const rate = (rows, ms) => `${(((rows / ms) * 1000) / 1e6).toFixed(2)} M rows/s`;
  console.log(`\nstream-memory: ${ROWS.toLocaleString("en")} rows of (BIGINT, DECIMAL, VARCHAR)\n`);
  console.log(`server process idle RSS (database open): ${mib(idle.rssKiB)}`);
  const table = [
    ["server, ExecuteQueryStream (peak RSS of the server process)", rowStream.peakKiB, rowStream],
    ["server, ExecuteQueryColumnar (peak RSS of the server process)", columnar.peakKiB, columnar],
    ["in-process node-api, streamed (fetchChunk)", streamed.hwmKiB, streamed],
    ["in-process node-api, materialized (runAndReadAll)", materialized.hwmKiB, materialized],
  ];
  for (const [what, kib, r] of table) {
    console.log(
      `${what.padEnd(64)} ${mib(kib).padStart(9)}   ${rate(r.rows, r.ms).padStart(16)}   rows ${r.rows}`,
    );
  }
  if (!rowStream.peakReset)
    console.log("(peak RSS reset not permitted here: server peaks are sampled every 50 ms)");
  for (const r of [rowStream, columnar, streamed, materialized]) {
    if (r.rows !== ROWS) throw new Error(`expected ${ROWS} rows, got ${r.rows}`);
  }
} finally {
  channel.close();
  server.kill("SIGTERM");
  await new Promise((resolve) => server.once("exit", resolve));
  await storage.close();
  await rm(dir, { recursive: true, force: true });
}
