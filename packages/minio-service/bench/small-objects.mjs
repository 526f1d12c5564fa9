// Small objects through the filesystem backend: ListObjects (one page of 50), PutObject
// and GetObject of 4 KiB objects, one at a time and 32 at a time, with
// @isa-cloud/minio-client against the service started in this process (a temp dir on the
// default tmpdir's disk; removed at the end). Prints p50 / p99 latency and operations per
// second per operation and concurrency.
//
//   node bench/small-objects.mjs          (after `pnpm build` of this package and the client)
//   BENCH_SMALL_OBJECTS=1000  objects in the bucket (listing starts at a random one)
//   BENCH_SMALL_BYTES=4096    object size
//   BENCH_SMALL_OPS=300       operations per operation and concurrency (x4 at concurrency 32)
//   BENCH_SMALL_ONLY=put,get  only these operations
//   BENCH_DIST=<path of another build's dist/index.js>  (before/after pairs)
//   BENCH_NODE_ARGS is not read: run `node --cpu-prof bench/small-objects.mjs` for a profile.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { signToken } from "@isa-cloud/rpc-server";
import { MinioClient } from "../../minio-client/dist/index.js";

// BENCH_DIST: another build's dist/index.js (e.g. a copy of the previous one under
// node_modules/, as in the README's Benchmark), for before/after pairs in one sitting.
const { startMinioService } = await import(
  process.env.BENCH_DIST ? pathToFileURL(process.env.BENCH_DIST).href : "../dist/index.js"
);

const OBJECTS = Number(process.env.BENCH_SMALL_OBJECTS ?? 1000);
const BYTES = Number(process.env.BENCH_SMALL_BYTES ?? 4096);
const OPS = Number(process.env.BENCH_SMALL_OPS ?? 300);
const ONLY = process.env.BENCH_SMALL_ONLY?.split(",");
const PAGE = 50;
const SECRET = "small-objects-bench-secret-0123456789";

const dir = await mkdtemp(join(tmpdir(), "isa-minio-small-"));
const service = await startMinioService({
  host: "127.0.0.1",
  port: 0,
  httpPort: 0,
  backend: { kind: "fs", root: join(dir, "objects") },
  auth: { hs256Secret: SECRET },
  presignSecret: "small-objects-bench",
  maxMessageBytes: 8 * 1024 * 1024,
  logLevel: "silent",
});
const token = await signToken({ secret: SECRET, sub: "bench-user" });
const storage = new MinioClient({ address: `127.0.0.1:${service.port}`, token });

try {
  const bucket = "small";
  await storage.createBucket(bucket);
  const body = randomBytes(BYTES);
  const keyOf = (i) => `obj-${String(i).padStart(6, "0")}`;
  await runBounded(OBJECTS, 16, (i) => storage.putObject(bucket, keyOf(i), body));

  // A deterministic stream of random numbers, so both runs of a before/after pair do the same.
  let seed = 42;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const ops = {
    list: async () => {
      let n = 0;
      const startAfter = keyOf(Math.floor(rnd() * (OBJECTS - PAGE)));
      for await (const _ of storage.listObjects(bucket, { pageSize: PAGE, startAfter })) {
        if (++n === PAGE) break;
      }
      if (n !== PAGE) throw new Error(`listed ${n} objects, expected ${PAGE}`);
    },
    put: () => storage.putObject(bucket, keyOf(Math.floor(rnd() * OBJECTS)), body),
    get: async () => {
      const got = await storage.getObject(bucket, keyOf(Math.floor(rnd() * OBJECTS)));
      if (got.length !== BYTES) throw new Error(`got ${got.length} bytes`);
    },
  };

  console.log(
    `small objects (fs backend, in-process): ${OBJECTS} objects of ${BYTES} B, list = one page of ${PAGE}; load ${loadAverage()}`,
  );
  console.log("op     conc      ops   p50 ms   p99 ms    ops/s");
  for (const concurrency of [1, 32]) {
    for (const [name, run] of Object.entries(ops)) {
      if (ONLY && !ONLY.includes(name)) continue;
      const count = concurrency === 1 ? OPS : OPS * 4;
      const latencies = [];
      const started = performance.now();
      await runBounded(count, concurrency, async () => {
        const t = performance.now();
        await run();
        latencies.push(performance.now() - t);
      });
      const seconds = (performance.now() - started) / 1000;
      latencies.sort((a, b) => a - b);
      console.log(
        `${name.padEnd(6)} ${String(concurrency).padStart(4)} ${String(count).padStart(8)} ${pct(latencies, 0.5)} ${pct(latencies, 0.99)} ${(count / seconds).toFixed(0).padStart(8)}`,
      );
    }
  }
  console.log(`load ${loadAverage()}`);
} finally {
  storage.close();
  await service.close();
  await rm(dir, { recursive: true, force: true });
}

async function runBounded(count, limit, task) {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}

function pct(sorted, p) {
  const v = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
  return v.toFixed(1).padStart(8);
}

function loadAverage() {
  return loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");
}
