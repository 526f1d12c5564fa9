// Small-call throughput with metrics and tracing on vs off, side by side in one run.
// "on": nice-grpc-prometheus and nice-grpc-opentelemetry on the client and the server, and
// an OpenTelemetry SDK in both processes recording every call (always-on sampling) into a
// batch processor whose exporter drops the spans (what a collector costs is not ours).
// "off": `metrics: false, tracing: false` on both sides, no SDK. Each side of each
// configuration is a process of its own (an SDK registers an AsyncLocalStorage context
// manager, which costs every promise of its process), and the configurations alternate
// for BENCH_ROUNDS rounds so that a noisy neighbour hurts both alike.
// Run after `pnpm build`: `pnpm --filter @isa-cloud/rpc-server bench`.
// Throughput on a machine shared with other work moves a lot from run to run; CPU time per
// call (client and server processes together, from process.cpuUsage) moves much less, so
// both are printed, and the cost is given for each.
// Env: BENCH_SECONDS (per run, default 4), BENCH_CONCURRENCY (default 64), BENCH_ROUNDS (3).
import { fork } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { MinIOServiceDefinition } from "@isa-cloud/proto";
import { createIsaClient } from "@isa-cloud/rpc/client";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace";
import { signToken, startTracing } from "../dist/index.js";
import { runCalls, secret, startListBucketsServer } from "./list-buckets.mjs";

const [role, mode, portArg] = process.argv.slice(2);
const on = mode === "on";

/** An SDK that records every span and drops it at export. */
async function tracingIfOn(serviceName) {
  if (!on) return undefined;
  const exporter = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} };
  return startTracing({ serviceName, spanProcessors: [new BatchSpanProcessor({ exporter })] });
}

if (role === "--server") {
  await tracingIfOn("bench-server");
  const server = await startListBucketsServer({ metrics: on, tracing: on });
  process.send?.({ port: server.port });
  process.on("message", async (message) => {
    // "cpu": CPU microseconds used so far, for the orchestrator's per-run deltas.
    if (message === "cpu") {
      const { user, system } = process.cpuUsage();
      process.send?.({ cpu: user + system });
      return;
    }
    await server.shutdown({ graceMs: 1000 });
    process.exit(0);
  });
} else if (role === "--client") {
  const seconds = Number(process.env.BENCH_SECONDS ?? 4);
  const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 64);
  await tracingIfOn("bench-client");
  const client = createIsaClient(MinIOServiceDefinition, {
    address: `127.0.0.1:${portArg}`,
    token: await signToken({ secret, sub: "bench" }),
    metrics: on,
    tracing: on,
  });
  await runCalls(client, 1, concurrency); // warm up: connect, JIT
  process.send?.({ ready: true });
  await once(process, "message");
  const before = process.cpuUsage();
  const result = await runCalls(client, seconds, concurrency);
  const used = process.cpuUsage(before);
  client.close();
  process.send?.({ ...result, clientCpu: used.user + used.system });
  process.exit(0);
} else {
  const seconds = Number(process.env.BENCH_SECONDS ?? 4);
  const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 64);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const self = fileURLToPath(import.meta.url);
  const servers = {};
  for (const m of ["off", "on"]) {
    const child = fork(self, ["--server", m], { stdio: "inherit" });
    const [{ port }] = await once(child, "message");
    servers[m] = { child, port };
  }
  const runs = { off: [], on: [] };
  for (let round = 0; round < rounds; round++) {
    for (const m of round % 2 === 0 ? ["off", "on"] : ["on", "off"]) {
      const child = fork(self, ["--client", m, String(servers[m].port)], { stdio: "inherit" });
      await once(child, "message"); // warmed up
      const serverCpu = async () => {
        servers[m].child.send("cpu");
        const [{ cpu }] = await once(servers[m].child, "message");
        return cpu;
      };
      const serverBefore = await serverCpu();
      child.send("go");
      const [result] = await once(child, "message");
      const serverUsed = (await serverCpu()) - serverBefore;
      const calls = result.rate * seconds;
      runs[m].push({ ...result, cpuPerCall: (result.clientCpu + serverUsed) / calls });
      await once(child, "exit");
    }
  }
  for (const { child } of Object.values(servers)) {
    child.send("stop");
    await once(child, "exit");
  }

  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const summary = (m) => ({
    rate: mean(runs[m].map((r) => r.rate)),
    p50: mean(runs[m].map((r) => r.p50)),
    p99: mean(runs[m].map((r) => r.p99)),
    rates: runs[m].map((r) => Math.round(r.rate)).join(" / "),
    cpu: mean(runs[m].map((r) => r.cpuPerCall)),
  });
  const off = summary("off");
  const withObs = summary("on");
  console.log(
    `\nunary ListBuckets, ${concurrency} calls in flight, ${rounds} runs of ${seconds} s each, ${process.platform} node ${process.version}`,
  );
  console.log(
    "configuration               calls/s   p50 ms   p99 ms   CPU µs/call   runs (calls/s)",
  );
  for (const [label, r] of [
    ["metrics+tracing off", off],
    ["metrics+tracing on", withObs],
  ]) {
    console.log(
      `${label.padEnd(26)} ${String(Math.round(r.rate)).padStart(8)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)} ${r.cpu.toFixed(1).padStart(13)}   ${r.rates}`,
    );
  }
  const cost = (1 - withObs.rate / off.rate) * 100;
  const cpuCost = (withObs.cpu / off.cpu - 1) * 100;
  console.log(
    `cost of metrics+tracing: ${cost.toFixed(1)}% of small-call throughput, ${cpuCost.toFixed(1)}% more CPU per call`,
  );
}
