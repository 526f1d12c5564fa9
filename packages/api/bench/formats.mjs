// A 1M-row query result over HTTP in each format (POST /api/v1/data/query with Accept),
// next to the same query streamed through duckdb-client: rows/s and the API process's
// peak RSS while it served that format. Services and API run in child processes.
//
//   pnpm --filter @isa-cloud/api bench          (runs analyze.mjs, then this)
//   BENCH_ROWS=2000000 node bench/formats.mjs
import { spawn } from "node:child_process";
import { once } from "node:events";
import { cpus, loadavg } from "node:os";
import { createInterface } from "node:readline";
import { analyticsDatabaseId } from "@isa-cloud/data-service";
import { DuckdbClient } from "@isa-cloud/duckdb-client";
import { eventsCsv, randomSecret, tokenSigner } from "@isa-cloud/testing";

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const USER = "bench-formats";
const SQL = `SELECT range AS id, range * 7 AS big, 'event ' || (range % 1000) AS name, range / 3.0 AS ratio FROM range(${ROWS})`;
const FORMATS = [
  "application/json",
  "application/x-ndjson",
  "text/csv",
  "application/vnd.apache.parquet",
  "application/vnd.apache.arrow.stream",
];

const secret = randomSecret();
const children = [];

// The child's stdout also carries its pino logs (e.g. analytics' UV_THREADPOOL_SIZE
// warning), so the handshake is the first line with `key`, not the first line.
async function startChild(role, key, env) {
  const child = spawn(process.execPath, [new URL("./stack.mjs", import.meta.url).pathname, role], {
    env: { ...process.env, ISA_JWT_SECRET: secret, UV_THREADPOOL_SIZE: "16", ...env },
    stdio: ["ignore", "pipe", "inherit", "ipc"],
  });
  children.push(child);
  const lines = createInterface({ input: child.stdout });
  const handshake = new Promise((resolve) => {
    lines.on("line", (line) => {
      let message;
      try {
        message = JSON.parse(line);
      } catch {
        return;
      }
      if (message && typeof message === "object" && key in message) resolve(message);
    });
  });
  const message = await Promise.race([
    handshake,
    once(child, "exit").then(([code]) => {
      throw new Error(`bench stack (${role}) exited with ${code}`);
    }),
  ]);
  return { ...message, child };
}

async function peakRss(child) {
  child.send("peak");
  const [bytes] = await once(child, "message");
  return bytes;
}

const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

try {
  const services = await startChild("services", "env", {});
  const api = await startChild("api", "url", {
    ...services.env,
    API_RATE_LIMIT_MAX: "0",
    LOG_LEVEL: "warn",
  });
  const token = await tokenSigner(secret)(USER);
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  // An import creates the user's database.
  const csv = eventsCsv([["click", "2024-01-01", 1, 1]]);
  const uploaded = await fetch(`${api.url}/api/v1/data/upload`, {
    method: "POST",
    headers,
    body: JSON.stringify({ file_name: "e.csv", data: Buffer.from(csv).toString("base64") }),
  });
  if (uploaded.status !== 201)
    throw new Error(`upload: ${uploaded.status} ${await uploaded.text()}`);
  const imported = await fetch(`${api.url}/api/v1/data/import`, {
    method: "POST",
    headers,
    body: JSON.stringify({ file_name: "e.csv" }),
  });
  if (imported.status !== 200)
    throw new Error(`import: ${imported.status} ${await imported.text()}`);

  const results = [["", "rows", "seconds", "rows/s", "bytes", "API peak RSS"]];
  const duckdb = new DuckdbClient({ address: services.analyticsAddress, token });
  let started = performance.now();
  let count = 0;
  for await (const batch of duckdb
    .queryStream(analyticsDatabaseId(USER), SQL, {}, { readOnly: true })
    .batches()) {
    count += batch.rows.length;
  }
  let seconds = (performance.now() - started) / 1000;
  results.push([
    "duckdb-client queryStream",
    count,
    seconds.toFixed(2),
    (count / seconds).toFixed(0),
    "-",
    "-",
  ]);
  duckdb.close();

  await peakRss(api.child);
  for (const format of FORMATS) {
    started = performance.now();
    const res = await fetch(`${api.url}/api/v1/data/query`, {
      method: "POST",
      headers: { ...headers, accept: format },
      body: JSON.stringify({ sql: SQL }),
    });
    if (res.status !== 200) throw new Error(`${format}: ${res.status} ${await res.text()}`);
    let bytes = 0;
    for await (const chunk of res.body) bytes += chunk.length;
    seconds = (performance.now() - started) / 1000;
    // JSON is one capped page (ISA_QUERY_MAX_ROWS); the others carry every row.
    const rows = format === "application/json" ? "page" : ROWS;
    const rate = typeof rows === "number" ? (rows / seconds).toFixed(0) : "-";
    results.push([
      `HTTP ${format}`,
      rows,
      seconds.toFixed(2),
      rate,
      bytes,
      mib(await peakRss(api.child)),
    ]);
  }
  const table = results.map((row) => row.map(String));
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  const load = loadavg()
    .map((n) => n.toFixed(2))
    .join(" ");
  console.log(
    `\n${ROWS} rows (4 columns), ${cpus().length} CPUs, Node ${process.version}, load average ${load}`,
  );
  for (const row of table) console.log(row.map((cell, i) => cell.padEnd(widths[i])).join("  "));
} finally {
  for (const child of children.reverse()) {
    child.kill("SIGTERM");
    await once(child, "exit");
  }
}
