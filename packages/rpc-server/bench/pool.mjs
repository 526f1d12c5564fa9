// Small-call throughput through createIsaClient with a pool of 1 and of 4 connections, side
// by side in one run. The server runs in a child process so that client and server don't
// share one event loop. Run after `pnpm build`: `pnpm --filter @isa-cloud/rpc-server bench`.
// Env: BENCH_SECONDS (per configuration, default 4), BENCH_CONCURRENCY (default 64).
import { fork } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { MinIOServiceDefinition } from "@isa-cloud/proto";
import { createIsaClient } from "@isa-cloud/rpc/client";
import { signToken } from "../dist/index.js";
import { runCalls, secret, startListBucketsServer } from "./list-buckets.mjs";

if (process.argv[2] === "--server") {
  const server = await startListBucketsServer();
  process.send?.({ port: server.port });
  process.on("message", async () => {
    await server.shutdown({ graceMs: 1000 });
    process.exit(0);
  });
} else {
  const seconds = Number(process.env.BENCH_SECONDS ?? 4);
  const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 64);
  const child = fork(fileURLToPath(import.meta.url), ["--server"], { stdio: "inherit" });
  const [{ port }] = await once(child, "message");
  const token = await signToken({ secret, sub: "bench" });

  const configs = [
    { label: "pool 1", poolSize: 1, balance: "round-robin" },
    { label: "pool 4, round-robin", poolSize: 4, balance: "round-robin" },
    { label: "pool 4, least-busy", poolSize: 4, balance: "least-busy" },
  ];
  const rows = [];
  for (const config of configs) {
    const client = createIsaClient(MinIOServiceDefinition, {
      address: `127.0.0.1:${port}`,
      token,
      poolSize: config.poolSize,
      balance: config.balance,
    });
    await runCalls(client, 1, concurrency); // warm up: connect every channel, JIT
    rows.push({ ...config, ...(await runCalls(client, seconds, concurrency)) });
    client.close();
  }
  child.send("stop");
  await once(child, "exit");

  console.log(
    `\nunary ListBuckets, ${concurrency} calls in flight, ${seconds} s each, ${process.platform} node ${process.version}`,
  );
  console.log("configuration          calls/s   p50 ms   p99 ms");
  for (const r of rows) {
    console.log(
      `${r.label.padEnd(22)} ${String(Math.round(r.rate)).padStart(8)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)}`,
    );
  }
  const base = rows[0].rate;
  for (const r of rows.slice(1)) console.log(`${r.label}: ${(r.rate / base).toFixed(2)}x pool 1`);
}
