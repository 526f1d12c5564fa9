// What both benches measure: a server whose ListBuckets answers at once, and a loop of
// calls to it. Run after `pnpm build` (it imports ../dist).
import { performance } from "node:perf_hooks";
import { MinIOServiceDefinition } from "@isa-cloud/proto";
import { createLogger, startGrpcServer } from "../dist/index.js";

export const secret = "bench-secret-bench-secret-bench-secret";

/** A loopback server of ListBuckets alone; `options` go to startGrpcServer as they are. */
export function startListBucketsServer(options = {}) {
  return startGrpcServer({
    host: "127.0.0.1",
    port: 0,
    services: [
      {
        definition: MinIOServiceDefinition,
        implementation: {
          async listBuckets(_req, ctx) {
            return {
              success: true,
              buckets: [{ name: "b", ownerId: ctx.identity.userId }],
              totalCount: 1,
            };
          },
        },
      },
    ],
    auth: { hs256Secret: secret },
    logger: createLogger("bench-server", { level: "warn" }),
    ...options,
  });
}

/** `concurrency` callers of `client.listBuckets` for `seconds`: calls/s, p50 and p99 in ms. */
export async function runCalls(client, seconds, concurrency) {
  const latencies = [];
  const end = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const t = performance.now();
      await client.listBuckets({});
      latencies.push(performance.now() - t);
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { rate: latencies.length / elapsed, p50: at(0.5), p99: at(0.99) };
}
