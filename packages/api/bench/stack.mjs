// Child process of analyze.mjs and formats.mjs: starts part of the stack on free loopback ports and
// prints one JSON line saying where it listens. `services`: storage + analytics (the
// repo's test stack, over a temp dir it removes on SIGTERM); `api`: the HTTP API over
// services given in the environment.
import { startTestStack } from "@isa-cloud/testing";
import { apiConfigFromEnv, startApi } from "../dist/index.js";

const role = process.argv[2];
let close;

if (role === "services") {
  const stack = await startTestStack({
    secret: process.env.ISA_JWT_SECRET,
    logLevel: "warn",
    analytics: { maxOpenDatabases: 8, checkpointIntervalMs: 600_000 },
  });
  close = stack.close;
  console.log(JSON.stringify({ env: stack.env, analyticsAddress: stack.analytics.address }));
} else if (role === "api") {
  const api = await startApi({ ...apiConfigFromEnv(process.env), host: "127.0.0.1", port: 0 });
  close = api.close;
  // Peak RSS between two "peak" messages (formats.mjs asks after each format), sampled
  // only when there is an IPC channel to ask through: analyze.mjs has none, and the
  // sampling showed in its profiles.
  if (process.send) {
    let peak = process.memoryUsage.rss();
    setInterval(() => {
      peak = Math.max(peak, process.memoryUsage.rss());
    }, 10).unref();
    process.on("message", (message) => {
      if (message !== "peak") return;
      process.send?.(Math.max(peak, process.memoryUsage.rss()));
      peak = process.memoryUsage.rss();
    });
  }
  console.log(JSON.stringify({ url: api.url }));
} else {
  throw new Error(`usage: stack.mjs services|api, got ${role}`);
}

process.once("SIGTERM", async () => {
  await close();
  process.exit(0);
});
