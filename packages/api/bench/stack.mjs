// Child process of analyze.mjs: starts part of the stack on free loopback ports and
// prints one JSON line saying where it listens. `services`: storage + analytics;
// `api`: the HTTP API over services given in the environment.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { startDuckdbService, systemTokenSigner } from "@isa-cloud/duckdb-service";
import { startMinioService } from "@isa-cloud/minio-service";
import { apiConfigFromEnv, startApi } from "../dist/index.js";

const role = process.argv[2];
const secret = process.env.ISA_JWT_SECRET;
const auth = { hs256Secret: secret };
const host = "127.0.0.1";
const closers = [];

if (role === "services") {
  const dir = process.env.BENCH_DIR;
  const storage = await startMinioService({
    host,
    port: 0,
    httpPort: 0,
    backend: { kind: "fs", root: join(dir, "objects") },
    auth,
    presignSecret: randomBytes(16).toString("hex"),
    maxMessageBytes: 8 * 1024 * 1024,
    logLevel: "warn",
  });
  const analytics = await startDuckdbService({
    host,
    port: 0,
    cacheDir: join(dir, "duckdb"),
    storage: { address: `${host}:${storage.port}`, systemToken: systemTokenSigner(secret) },
    auth,
    maxOpenDatabases: 8,
    checkpointIntervalMs: 600_000,
    logLevel: "warn",
  });
  closers.push(analytics.close, storage.close);
  console.log(JSON.stringify({ storagePort: storage.port, analyticsPort: analytics.port }));
} else if (role === "api") {
  const api = await startApi({ ...apiConfigFromEnv(process.env), host, port: 0 });
  closers.push(api.close);
  console.log(JSON.stringify({ url: api.url }));
} else {
  throw new Error(`usage: stack.mjs services|api, got ${role}`);
}

process.once("SIGTERM", async () => {
  for (const close of closers) await close();
  process.exit(0);
});
