// Child process of query.mjs: the storage and analytics services, as they run in
// production (their own process), on ephemeral loopback ports. Prints one JSON line
// with the analytics port, then serves until stdin closes.
import { join } from "node:path";
import { duckdbConfigFromEnv, startDuckdbService } from "@isa-cloud/duckdb-service";
import { minioConfigFromEnv, startMinioService } from "@isa-cloud/minio-service";
import { signToken } from "@isa-cloud/rpc-server";

const [dir, secret] = process.argv.slice(2);
const env = { ISA_JWT_SECRET: secret, ISA_DATA_DIR: dir, LOG_LEVEL: "silent" };
const minio = await startMinioService({
  ...minioConfigFromEnv(env),
  host: "127.0.0.1",
  port: 0,
  httpPort: 0,
  backend: { kind: "fs", root: join(dir, "objects") },
  logLevel: "silent",
});
const systemToken = await signToken({ secret, sub: "duckdb-service", system: true });
const duck = await startDuckdbService({
  ...duckdbConfigFromEnv(env),
  host: "127.0.0.1",
  port: 0,
  cacheDir: join(dir, "duckdb"),
  storage: { address: `127.0.0.1:${minio.port}`, systemToken: () => systemToken },
  logLevel: "silent",
});
process.stdout.write(`${JSON.stringify({ port: duck.port })}\n`);
process.stdin.resume();
process.stdin.on("end", async () => {
  await duck.close();
  await minio.close();
  process.exit(0);
});
