// Throughput of @isa-cloud/minio-client against a local storage service (in a
// child process, see serve.mjs), next to the raw generated nice-grpc client in the
// same run. Run after a build:
//   pnpm --filter @isa-cloud/minio-client bench
// Knobs (env): BENCH_MIB (object size, default 1024), BENCH_REPS (default 3),
// BENCH_SECONDS (per small-call run, default 2), BENCH_CONCURRENCY (small calls in
// flight, default 32).
//
// Large objects go four ways, interleaved: the raw nice-grpc client's byte stream (the
// peer of the aims), MinioClient over the gRPC stream (transfer "grpc"), MinioClient's
// fast path (transfer "auto": a presigned HTTP PUT/GET), and a bare undici request to a
// presigned URL (the most the HTTP endpoint gives, to show what the fast path's wrapper
// costs).
//
// Two figures per case. Wall-clock throughput is what a caller sees, but on a
// shared machine it moves with everyone else's load. The client process's own CPU
// time per call (or per MiB) is what the wrapper adds, and barely moves with load:
// the server runs in another process, so that CPU is the client's alone.
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { MinIOServiceDefinition } from "@isa-cloud/proto";
import { signToken } from "@isa-cloud/rpc-server";
import { createChannel, createClient, Metadata } from "nice-grpc";
import { request } from "undici";
import { reportAim } from "../../../scripts/bench-aims.mjs";
import { MinioClient } from "../dist/index.js";

const MiB = 1024 * 1024;
const objectMiB = Number(process.env.BENCH_MIB ?? 1024);
const reps = Number(process.env.BENCH_REPS ?? 3);
const seconds = Number(process.env.BENCH_SECONDS ?? 2);
const inFlight = Number(process.env.BENCH_CONCURRENCY ?? 32);

const root = await mkdtemp(join(tmpdir(), "minio-client-bench-"));
const secret = randomUUID();
const server = spawn(
  process.execPath,
  [new URL("serve.mjs", import.meta.url).pathname, root, secret],
  { stdio: ["pipe", "pipe", "inherit"] },
);
const [line] = await Promise.race([
  once(createInterface({ input: server.stdout }), "line"),
  once(server, "exit").then(() => {
    throw new Error("the storage service exited before listening (is it built?)");
  }),
]);
const address = `127.0.0.1:${JSON.parse(line).port}`;
const token = await signToken({ secret, sub: "bench" });

const client1 = new MinioClient({ address, token, poolSize: 1 });
const client4 = new MinioClient({ address, token, poolSize: 4 });
const grpcClient = new MinioClient({ address, token, transfer: "grpc" });
const fastClient = new MinioClient({ address, token });
const loadAtStart = loadavg();
const benchStart = performance.now();
const rawChannel = createChannel(address, undefined, {
  "grpc.max_receive_message_length": 8 * MiB,
  "grpc.max_send_message_length": 8 * MiB,
});
const raw = createClient(MinIOServiceDefinition, rawChannel, {
  "*": { metadata: Metadata({ authorization: `Bearer ${token}` }) },
});

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const best = (xs) => Math.max(...xs);
const fmt = (n, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits });
const cpuMicros = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

/**
 * Runs `fn`, returning its wall-clock seconds and this process's CPU seconds. The garbage
 * of the case before is collected first (`--expose-gc`, see package.json), else the
 * collector charges it to whichever case runs next: with the order rotating through a
 * fixed cycle, that was always the same one.
 */
async function measure(fn) {
  globalThis.gc?.();
  const wall = performance.now();
  const cpu = cpuMicros();
  await fn();
  return { wall: (performance.now() - wall) / 1000, cpu: (cpuMicros() - cpu) / 1e6 };
}

try {
  await client1.createBucket("bench");
  await client1.putObject("bench", "small", "x");

  // ---- small calls: statObject, `inFlight` at a time, for `seconds` ----
  async function smallRun(call) {
    for (let i = 0; i < 200; i++) await call(); // warm up connections and JIT
    let done = 0;
    const end = performance.now() + seconds * 1000;
    const { wall, cpu } = await measure(() =>
      Promise.all(
        Array.from({ length: inFlight }, async () => {
          while (performance.now() < end) {
            await call();
            done++;
          }
        }),
      ),
    );
    return { perSecond: done / wall, cpuMicrosPerCall: (cpu * 1e6) / done };
  }
  const smallCalls = {
    raw: () => raw.statObject({ bucketName: "bench", objectKey: "small" }),
    pool1: () => client1.statObject("bench", "small"),
    pool4: () => client4.statObject("bench", "small"),
  };
  const small = { raw: [], pool1: [], pool4: [] };
  for (let round = 0; round < 3; round++) {
    const names = Object.keys(smallCalls);
    if (round % 2 === 1) names.reverse();
    for (const name of names) small[name].push(await smallRun(smallCalls[name]));
  }

  // ---- large transfers: the same bytes four ways, order rotating ----
  const body = randomBytes(objectMiB * MiB);
  const chunksOf = async function* () {
    for (let at = 0; at < body.length; at += MiB) yield body.subarray(at, at + MiB);
  };
  async function drain(chunks) {
    let bytes = 0;
    for await (const chunk of chunks) bytes += chunk.byteLength;
    if (bytes !== body.length) throw new Error(`downloaded ${bytes} of ${body.length} bytes`);
  }
  async function rawUpload(key) {
    async function* requests() {
      yield {
        payload: {
          $case: "metadata",
          value: { bucketName: "bench", objectKey: key, contentLength: BigInt(body.length) },
        },
      };
      for await (const chunk of chunksOf()) yield { payload: { $case: "chunkData", value: chunk } };
    }
    await raw.putObject(requests());
  }
  async function* rawChunks(key) {
    for await (const message of raw.getObject({ bucketName: "bench", objectKey: key })) {
      if (message.payload?.$case === "chunkData") yield message.payload.value;
    }
  }
  async function plainHttpUpload(key) {
    const { url } = await client1.presignedPutUrl("bench", key);
    const response = await request(url, {
      method: "PUT",
      body: chunksOf(),
      headers: { "content-length": String(body.length) },
    });
    await response.body.dump();
    if (response.statusCode !== 200) throw new Error(`PUT answered ${response.statusCode}`);
  }
  async function plainHttpDownload(key) {
    const { url } = await client1.presignedGetUrl("bench", key);
    const response = await request(url, { highWaterMark: MiB });
    await drain(response.body);
  }
  const cases = {
    rawUp: () => rawUpload("raw"),
    grpcUp: () => grpcClient.putObject("bench", "grpc", body),
    fastUp: () => fastClient.putObject("bench", "fast", body),
    httpUp: () => plainHttpUpload("http"),
    rawDown: () => drain(rawChunks("raw")),
    grpcDown: async () => drain((await grpcClient.getObjectStream("bench", "grpc")).stream),
    fastDown: async () => drain((await fastClient.getObjectStream("bench", "fast")).stream),
    httpDown: () => plainHttpDownload("http"),
  };
  const ups = ["rawUp", "grpcUp", "fastUp", "httpUp"];
  const downs = ["rawDown", "grpcDown", "fastDown", "httpDown"];
  const transfers = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
  for (const name of ups) await cases[name]();
  for (let rep = 0; rep < reps; rep++) {
    // Each way goes first once every four reps.
    const rotate = (names) => [...names.slice(rep % 4), ...names.slice(0, rep % 4)];
    for (const name of [...rotate(ups), ...rotate(downs)]) {
      const { wall, cpu } = await measure(cases[name]);
      transfers[name].push({
        mibPerSecond: objectMiB / wall,
        cpuMsPerMiB: (cpu * 1000) / objectMiB,
      });
    }
  }

  // ---- report ----
  const of = (runs, key) => runs.map((run) => run[key]);
  console.log(
    `\nminio-client bench: local fs-backed service in a child process, Node ${process.version}\n`,
  );
  console.log(`small calls: statObject, ${inFlight} in flight, 3 runs of ${seconds}s each`);
  console.log("                          calls/s best  median | client CPU us/call median");
  for (const [label, name] of [
    ["raw nice-grpc client", "raw"],
    ["MinioClient pool 1", "pool1"],
    ["MinioClient pool 4", "pool4"],
  ]) {
    const rate = of(small[name], "perSecond");
    const cpu = of(small[name], "cpuMicrosPerCall");
    console.log(
      `  ${label.padEnd(22)} ${fmt(best(rate)).padStart(12)} ${fmt(median(rate)).padStart(7)} | ${fmt(median(cpu), 1).padStart(25)}`,
    );
  }
  const rate = (name) => best(of(small[name], "perSecond"));
  console.log(
    `  best calls/s: pool 4 / pool 1 = ${fmt(rate("pool4") / rate("pool1"), 2)}x, pool 1 / raw = ${fmt(rate("pool1") / rate("raw"), 2)}x`,
  );

  console.log(`\n${objectMiB} MiB object, ${reps} runs each, order rotating`);
  console.log("                                  MiB/s median (best) | client CPU ms/MiB median");
  const labels = {
    raw: "raw nice-grpc byte stream",
    grpc: 'MinioClient transfer "grpc"',
    fast: "MinioClient fast path (HTTP)",
    http: "bare undici, presigned URL",
  };
  for (const [direction, suffix] of [
    ["upload", "Up"],
    ["download", "Down"],
  ]) {
    console.log(`  ${direction}`);
    for (const [way, label] of Object.entries(labels)) {
      const runs = transfers[way + suffix];
      const speed = `${fmt(median(of(runs, "mibPerSecond")))} (${fmt(best(of(runs, "mibPerSecond")))})`;
      console.log(
        `    ${label.padEnd(30)} ${speed.padStart(12)} | ${fmt(median(of(runs, "cpuMsPerMiB")), 2).padStart(8)}`,
      );
    }
  }
  console.log("\nevery run (MiB/s):");
  for (const [name, runs] of Object.entries(transfers)) {
    console.log(
      `  ${name.padEnd(9)} ${of(runs, "mibPerSecond")
        .map((x) => fmt(x))
        .join(" ")}`,
    );
  }
  const mibs = (name) => median(of(transfers[name], "mibPerSecond"));
  console.log(
    `\ngRPC stream path for comparison: upload ${fmt(mibs("grpcUp"))} MiB/s = ${fmt(mibs("grpcUp") / mibs("rawUp"), 2)}x raw, download ${fmt(mibs("grpcDown"))} MiB/s = ${fmt(mibs("grpcDown") / mibs("rawDown"), 2)}x raw`,
  );
  const load = (l) => l.map((x) => x.toFixed(2)).join(" ");
  console.log(
    `load average: at start ${load(loadAtStart)}, at end ${load(loadavg())}; bench took ${fmt((performance.now() - benchStart) / 1000)} s\n`,
  );

  const smallRate = (name) => median(of(small[name], "perSecond"));
  reportAim({
    name: "MinioClient small calls vs raw nice-grpc",
    measured: `${fmt(smallRate("pool1"))} statObject/s`,
    peer: `raw ${fmt(smallRate("raw"))}/s`,
    ratio: smallRate("pool1") / smallRate("raw"),
    target: 0.95,
  });
  const gib = objectMiB === 1024 ? "1 GiB" : `${objectMiB} MiB`;
  for (const [direction, suffix] of [
    ["upload", "Up"],
    ["download", "Down"],
  ]) {
    reportAim({
      name: `MinioClient ${direction} ${gib} (fast path) vs raw gRPC byte stream`,
      measured: `${fmt(mibs(`fast${suffix}`))} MiB/s`,
      peer: `raw gRPC ${fmt(mibs(`raw${suffix}`))} MiB/s`,
      ratio: mibs(`fast${suffix}`) / mibs(`raw${suffix}`),
      target: 0.7,
    });
  }
} finally {
  client1.close();
  client4.close();
  grpcClient.close();
  fastClient.close();
  rawChannel.close();
  server.stdin.end();
  await once(server, "exit");
  await rm(root, { recursive: true, force: true });
}
