// What durability costs a small write: the analytics service as one node (pointer in the
// registry; a write is on local disk, storage gets the file at the next checkpoint) and
// as a node of a cluster (pointer in etcd, a write answers once its WAL bytes are in
// storage), for a BENCH_SMALL_MB (10) MB and a BENCH_LARGE_MB (1024) MB database:
//   - latency p50/p99 of BENCH_INSERTS (300) one-row INSERTs, one after another;
//   - inserts/s of 16 writers (BENCH_WRITERS) at once, BENCH_CONCURRENT_INSERTS (2,000) in
//     all (group commit: one upload carries every write that committed meanwhile);
//   - bytes put to storage per insert in both phases, and by the checkpoint after them.
// Bytes are counted by a wrapper around MinioClient's putObject/putFile in this process
// (the service runs here, so its uploads go through that class). etcd is a child process
// (@isa-cloud/test-etcd). BENCH_LARGE_MB=0 skips the large database.
// Run after `pnpm build`: `pnpm --filter @isa-cloud/duckdb-service bench:durability`.
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

// DuckDB runs statements on libuv's pool, sized when first used: too late inside an ES
// module (see packages/cli/src/launcher.cts), so the bench runs itself again with it set.
if (!process.env.UV_THREADPOOL_SIZE) {
  const { status } = spawnSync(process.execPath, [fileURLToPath(import.meta.url)], {
    stdio: "inherit",
    env: { ...process.env, UV_THREADPOOL_SIZE: "16" },
  });
  process.exit(status ?? 1);
}

const { MinioClient } = await import("@isa-cloud/minio-client");
const { startMinioService } = await import("@isa-cloud/minio-service");
const { DuckDBServiceDefinition } = await import("@isa-cloud/proto");
const { signToken } = await import("@isa-cloud/rpc-server");
const { startEtcd } = await import("@isa-cloud/test-etcd");
const { Etcd3 } = await import("etcd3");
const { createChannel, createClient, Metadata } = await import("nice-grpc");
const { pino } = await import("pino");
const { startDuckdbService, systemTokenSigner } = await import("../dist/index.js");

const SECRET = "bench-secret";
const USER = "bench";
const SMALL_MB = Number(process.env.BENCH_SMALL_MB ?? 10);
const LARGE_MB = Number(process.env.BENCH_LARGE_MB ?? 1024);
const INSERTS = Number(process.env.BENCH_INSERTS ?? 300);
const WRITERS = Number(process.env.BENCH_WRITERS ?? 16);
const CONCURRENT = Number(process.env.BENCH_CONCURRENT_INSERTS ?? 2000);
/** Rows of (BIGINT, md5 text, DOUBLE) per MB of database file, measured with DuckDB 1.5. */
const ROWS_PER_MB = 40_000;
/** Rows per INSERT while filling: a WAL segment of about 100 MB in a cluster. */
const FILL_BATCH = 2_000_000;

// ---- the counting wrapper: every byte the service puts to storage passes here
const uploaded = { bytes: 0, objects: 0 };
const putObject = MinioClient.prototype.putObject;
MinioClient.prototype.putObject = async function (...args) {
  const result = await putObject.apply(this, args);
  uploaded.bytes += result.size;
  uploaded.objects++;
  return result;
};
const putFile = MinioClient.prototype.putFile;
MinioClient.prototype.putFile = async function (...args) {
  const result = await putFile.apply(this, args);
  // Up to one part (8 MiB, the default the service uses) putFile is one putObject, already
  // counted; above it, a multipart upload that is not.
  if (result.size > 8 * 1024 * 1024) {
    uploaded.bytes += result.size;
    uploaded.objects++;
  }
  return result;
};
const counted = () => ({ ...uploaded });
const since = (before) => ({
  bytes: uploaded.bytes - before.bytes,
  objects: uploaded.objects - before.objects,
});

const pct = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const ms = (x) => `${x.toFixed(1)} ms`;
const size = (bytes) =>
  bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.round(bytes).toLocaleString("en")} B`;

const dir = await mkdtemp(join(tmpdir(), "duckdb-durability-bench-"));
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
const token = await signToken({ secret: SECRET, sub: USER, expiresIn: "4h" });
let etcd;
const results = [];

/** One analytics service (one node, or node "bench-node" of a cluster) and a client of it. */
async function startNode(mode) {
  let cluster;
  if (mode === "cluster") {
    etcd ??= await startEtcd({ dataDir: dir, name: "bench" });
    // The supervisor's claim, played here: this user's databases belong to this node.
    const kv = new Etcd3({ hosts: etcd.endpoints });
    await kv.put(`/isa/analytics/owners/${encodeURIComponent(`user:${USER}`)}`).value("bench-node");
    kv.close();
    cluster = { etcdEndpoints: etcd.endpoints, nodeId: "bench-node" };
  }
  const service = await startDuckdbService({
    host: "127.0.0.1",
    port: 0,
    cacheDir: join(dir, `cache-${mode}`),
    storage: { address: `127.0.0.1:${storage.port}`, systemToken: systemTokenSigner(SECRET) },
    auth: { hs256Secret: SECRET },
    // No scheduled checkpoint during a measurement: the bench makes its own.
    checkpointIntervalMs: 3_600_000,
    maxOpenDatabases: 4,
    ...(cluster ? { cluster } : {}),
    logger: pino({ level: "warn" }),
  });
  const channel = createChannel(`127.0.0.1:${service.port}`);
  const client = createClient(DuckDBServiceDefinition, channel, {
    "*": { metadata: Metadata({ authorization: `Bearer ${token}` }) },
  });
  return {
    client,
    async close() {
      channel.close();
      await service.close();
    },
  };
}

/** Errors come as gRPC status; `success: false` is an older server's way, checked too. */
async function sql(client, databaseId, statement) {
  const response = await client.executeStatement({ databaseId, statement });
  if (!response.success) throw new Error(`${statement.slice(0, 60)}: ${response.error}`);
  return response;
}

/**
 * Uploads the database's current state as a new generation and closes it (DeleteDatabase
 * without delete_from_minio): the WAL starts empty and the next call reopens it.
 */
const checkpoint = (client, databaseId) =>
  client.deleteDatabase({ databaseId, deleteFromMinio: false, force: false });

async function measure(mode, client, mb) {
  const db = `db-${mode === "cluster" ? "cluster" : "single"}-${mb}mb`;
  await client.createDatabase({ databaseName: db });
  await sql(client, db, "CREATE TABLE big (id BIGINT, s VARCHAR, v DOUBLE)");
  await sql(client, db, "CREATE TABLE small (id INTEGER, note VARCHAR)");
  const rows = mb * ROWS_PER_MB;
  const fillStarted = performance.now();
  for (let from = 0; from < rows; from += FILL_BATCH) {
    const to = Math.min(rows, from + FILL_BATCH);
    await sql(
      client,
      db,
      `INSERT INTO big SELECT range, md5(range::VARCHAR), random() FROM range(${from}, ${to})`,
    );
  }
  let before = counted();
  await checkpoint(client, db);
  const fileBytes = since(before).bytes;
  const fillSeconds = (performance.now() - fillStarted) / 1000;
  // Reopens it (a cluster node keeps serving the generation it just made: no upload).
  await sql(client, db, "INSERT INTO small VALUES (0, 'warm-up')");

  before = counted();
  const latencies = [];
  for (let i = 1; i <= INSERTS; i++) {
    const t = performance.now();
    await sql(client, db, `INSERT INTO small VALUES (${i}, 'one small row')`);
    latencies.push(performance.now() - t);
  }
  const sequential = since(before);
  latencies.sort((a, b) => a - b);

  before = counted();
  let next = INSERTS + 1;
  const last = INSERTS + CONCURRENT;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (next <= last) {
        const id = next++;
        await sql(client, db, `INSERT INTO small VALUES (${id}, 'one small row')`);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const concurrent = since(before);

  before = counted();
  await checkpoint(client, db);
  const after = since(before);
  const row = {
    mode,
    database: size(fileBytes),
    fill: `${fillSeconds.toFixed(0)} s`,
    p50: ms(pct(latencies, 50)),
    p99: ms(pct(latencies, 99)),
    "bytes/insert": size(sequential.bytes / INSERTS),
    "objects/insert": (sequential.objects / INSERTS).toFixed(2),
    [`inserts/s (${WRITERS} writers)`]: Math.round(CONCURRENT / seconds).toLocaleString("en"),
    "bytes/insert (concurrent)": size(concurrent.bytes / CONCURRENT),
    "objects/insert (concurrent)": (concurrent.objects / CONCURRENT).toFixed(3),
    "checkpoint after": size(after.bytes),
  };
  console.log(JSON.stringify(row));
  results.push(row);
  await client.deleteDatabase({ databaseId: db, deleteFromMinio: true, force: true });
}

try {
  const sizes = [SMALL_MB, ...(LARGE_MB > 0 ? [LARGE_MB] : [])];
  console.log(
    `durability bench: ${INSERTS} sequential inserts, ${CONCURRENT} inserts by ${WRITERS} writers, databases of ${sizes.join(" and ")} MB; node ${process.version}`,
  );
  for (const mode of ["one node", "cluster"]) {
    const node = await startNode(mode === "cluster" ? "cluster" : "single");
    try {
      for (const mb of sizes) await measure(mode, node.client, mb);
    } finally {
      await node.close();
    }
  }
  console.log();
  console.table(results);
} finally {
  await storage.close();
  await etcd?.stop();
  await rm(dir, { recursive: true, force: true });
}
