// Cluster bench: 3 analytics nodes (dist/bin.js, child processes) on one etcd and one
// store. Query latency p50/p99 through the owner node and through a non-owner node (the
// forwarding hop), then the failover time after `kill -9` of the owner, measured as a
// client retrying through another node sees it. Needs etcd and `pnpm build`:
// `pnpm --filter @isa-cloud/duckdb-supervisor bench:cluster`. etcd comes from
// @isa-cloud/test-etcd, as in the cluster suite (test/cluster/*.ts).
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { startMinioService } from "@isa-cloud/minio-service";
import { DuckDBServiceDefinition } from "@isa-cloud/proto";
import { signToken } from "@isa-cloud/rpc-server";
import { startEtcd } from "@isa-cloud/test-etcd";
import { createChannel, createClient, Metadata } from "nice-grpc";

const SECRET = "bench-secret";
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 300);
const BIN = new URL("../dist/bin.js", import.meta.url).pathname;
const children = [];

const pct = (xs, p) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const dir = await mkdtemp(join(tmpdir(), "duckdb-cluster-bench-"));
const etcd = await startEtcd({ dataDir: dir, name: "bench" });
const etcdUrl = etcd.endpoint;
const storage = await startMinioService({
  host: "127.0.0.1",
  port: 0,
  httpPort: 0,
  backend: { kind: "fs", root: join(dir, "objects") },
  auth: { hs256Secret: SECRET },
  presignSecret: "bench",
  maxMessageBytes: 8 << 20,
  logLevel: "silent",
});

function startNode(name) {
  const child = spawn(process.execPath, [BIN], {
    env: {
      PATH: process.env.PATH,
      ISA_JWT_SECRET: SECRET,
      MINIO_GRPC_HOST: "127.0.0.1",
      MINIO_GRPC_PORT: String(storage.port),
      DUCKDB_GRPC_PORT: "0",
      ISA_DATA_DIR: join(dir, name),
      DUCKDB_WORKERS: "1",
      DUCKDB_TOTAL_THREADS: "2",
      DUCKDB_CHECKPOINT_INTERVAL_SECONDS: "1",
      ISA_ETCD_ENDPOINTS: etcdUrl,
      LOG_LEVEL: "info",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  const tail = [];
  return new Promise((resolve, reject) => {
    child.once("exit", (code) =>
      reject(new Error(`node ${name} exited (${code}): ${tail.join("\n")}`)),
    );
    createInterface({ input: child.stdout }).on("line", (line) => {
      tail.push(line);
      if (tail.length > 5) tail.shift();
      if (line.includes('"msg":"analytics supervisor listening"')) {
        resolve({ child, port: JSON.parse(line).port });
      }
    });
  });
}

const channels = [];
try {
  const nodes = await Promise.all(["a", "b", "c"].map(startNode));
  const token = await signToken({ secret: SECRET, sub: "bench" });
  const clientOf = (node) => {
    const channel = createChannel(`127.0.0.1:${node.port}`);
    channels.push(channel);
    return createClient(DuckDBServiceDefinition, channel, {
      "*": { metadata: Metadata({ authorization: `Bearer ${token}` }) },
    });
  };
  const [owner, other, third] = nodes.map(clientOf);
  await owner.createDatabase({ databaseName: "b" });
  await owner.executeStatement({
    databaseId: "b",
    statement: "CREATE TABLE t AS SELECT range x FROM range(1000)",
  });
  const query = { databaseId: "b", query: "SELECT count(*) FROM t WHERE x % 7 = 0" };
  for (let i = 0; i < 30; i++)
    await Promise.all([owner.executeQuery(query), other.executeQuery(query)]);
  const direct = [];
  const forwarded = [];
  for (let i = 0; i < SAMPLES; i++) {
    for (const [client, into] of [
      [owner, direct],
      [other, forwarded],
    ]) {
      const t = performance.now();
      await client.executeQuery(query);
      into.push(performance.now() - t);
    }
  }
  const ms = (x) => `${x.toFixed(2)} ms`;
  console.log(
    `query through the owner node:     p50 ${ms(pct(direct, 50))}  p99 ${ms(pct(direct, 99))}`,
  );
  console.log(
    `query through a non-owner node:   p50 ${ms(pct(forwarded, 50))}  p99 ${ms(pct(forwarded, 99))}`,
  );

  await sleep(1500); // past a checkpoint, so the new owner opens the data
  const killedAt = performance.now();
  nodes[0].child.kill("SIGKILL");
  let attempts = 0;
  for (;;) {
    attempts++;
    try {
      await third.executeQuery(query);
      break;
    } catch (err) {
      if (err.code !== 14) throw err; // only UNAVAILABLE is the failover window
      await sleep(100);
    }
  }
  console.log(
    `failover after kill -9 of the owner: ${ms(performance.now() - killedAt)} (${attempts} attempts, lease TTL 5 s)`,
  );
} finally {
  for (const channel of channels) channel.close();
  for (const child of children.reverse()) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
  }
  await storage.close();
  await etcd.stop();
  await rm(dir, { recursive: true, force: true });
}
