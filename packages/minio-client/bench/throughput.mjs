// Throughput of @isa-cloud/minio-client against a local storage service (in a
// child process, see serve.mjs), next to the raw generated nice-grpc client in the
// same run. Run after a build:
//   pnpm --filter @isa-cloud/minio-client bench
// Knobs (env): BENCH_MIB (object size, default 256), BENCH_REPS (default 5),
// BENCH_SECONDS (per small-call run, default 2), BENCH_CONCURRENCY (small calls in
// flight, default 32).
//
// Two figures per case. Wall-clock throughput is what a caller sees, but on a
// shared machine it moves with everyone else's load. The client process's own CPU
// time per call (or per MiB) is what the wrapper adds, and barely moves with load:
// the server runs in another process, so that CPU is the client's alone.
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { MinIOServiceDefinition } from "@isa-cloud/proto";
import { signToken } from "@isa-cloud/rpc-server";
import { createChannel, createClient, Metadata } from "nice-grpc";
import { MinioClient } from "../dist/index.js";

const MiB = 1024 * 1024;
const objectMiB = Number(process.env.BENCH_MIB ?? 256);
const reps = Number(process.env.BENCH_REPS ?? 5);
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

/** Runs `fn`, returning its wall-clock seconds and this process's CPU seconds. */
async function measure(fn) {
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

  // ---- large transfers: the same bytes through both clients, order alternating ----
  const body = randomBytes(objectMiB * MiB);
  async function rawUpload(key) {
    async function* requests() {
      yield {
        payload: {
          $case: "metadata",
          value: { bucketName: "bench", objectKey: key, contentLength: BigInt(body.length) },
        },
      };
      for (let at = 0; at < body.length; at += MiB) {
        yield { payload: { $case: "chunkData", value: body.subarray(at, at + MiB) } };
      }
    }
    await raw.putObject(requests());
  }
  async function rawDownload(key) {
    const chunks = [];
    for await (const message of raw.getObject({ bucketName: "bench", objectKey: key })) {
      if (message.payload?.$case === "chunkData") chunks.push(message.payload.value);
    }
    return Buffer.concat(chunks);
  }
  const cases = {
    rawUp: () => rawUpload("raw"),
    clientUp: () => client1.putObject("bench", "client", body),
    rawDown: () => rawDownload("raw"),
    clientDown: () => client1.getObject("bench", "client"),
  };
  const transfers = { rawUp: [], clientUp: [], rawDown: [], clientDown: [] };
  await rawUpload("raw");
  await client1.putObject("bench", "client", body);
  for (let rep = 0; rep < reps; rep++) {
    const order =
      rep % 2 === 0
        ? ["rawUp", "clientUp", "rawDown", "clientDown"]
        : ["clientUp", "rawUp", "clientDown", "rawDown"];
    for (const name of order) {
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

  console.log(`\n${objectMiB} MiB object, ${reps} runs each, order alternating`);
  console.log(
    "                 MiB/s median (best)     client/raw | client CPU ms/MiB median  client/raw",
  );
  for (const [label, r, c] of [
    ["upload", transfers.rawUp, transfers.clientUp],
    ["download", transfers.rawDown, transfers.clientDown],
  ]) {
    const [rs, cs] = [of(r, "mibPerSecond"), of(c, "mibPerSecond")];
    const [rc, cc] = [of(r, "cpuMsPerMiB"), of(c, "cpuMsPerMiB")];
    const speeds = `raw ${fmt(median(rs))} (${fmt(best(rs))}), client ${fmt(median(cs))} (${fmt(best(cs))})`;
    const cpus = `raw ${fmt(median(rc), 2)}, client ${fmt(median(cc), 2)}`;
    console.log(
      `  ${label.padEnd(9)} ${speeds.padEnd(34)} ${fmt(median(cs) / median(rs), 3).padStart(6)} | ${cpus.padEnd(25)} ${fmt(median(cc) / median(rc), 3).padStart(6)}`,
    );
  }
  console.log("\nevery run (MiB/s):");
  for (const [name, runs] of Object.entries(transfers)) {
    console.log(
      `  ${name.padEnd(11)} ${of(runs, "mibPerSecond")
        .map((x) => fmt(x))
        .join(" ")}`,
    );
  }
} finally {
  client1.close();
  client4.close();
  rawChannel.close();
  server.stdin.end();
  await once(server, "exit");
  await rm(root, { recursive: true, force: true });
}
