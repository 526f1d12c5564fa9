import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { duckdbConfigFromEnv, startDuckdbService } from "@isa-cloud/duckdb-service";
import { createMinioClient, type MinioClient } from "@isa-cloud/minio-client";
import { minioConfigFromEnv, startMinioService } from "@isa-cloud/minio-service";
import { signToken } from "@isa-cloud/rpc-server";
import { createDuckdbClient, type DuckdbClient, type DuckdbClientOptions } from "../src/index.js";

const SECRET = "duckdb-client-test-secret";

/**
 * The real storage service (filesystem backend in a temp dir) and the real analytics
 * service on top of it, both on ephemeral loopback ports, private to one test file.
 */
export interface Stack {
  dir: string;
  address: string;
  /** A token of `sub` (and `org`), signed with the stack's secret. */
  token(sub: string, org?: string): Promise<string>;
  /** A client of the analytics service as `sub`; closed by `stop()`. */
  client(sub: string, options?: Partial<DuckdbClientOptions>): Promise<DuckdbClient>;
  /** A client of the storage service as `sub`; closed by `stop()`. */
  storage(sub: string): Promise<MinioClient>;
  /** Runs `fn` at the start of `stop()`, before the clients and servers close. */
  onStop(fn: () => Promise<void> | void): void;
  stop(): Promise<void>;
}

export async function startStack(): Promise<Stack> {
  const dir = await mkdtemp(join(tmpdir(), "duckdb-client-test-"));
  const env = { ISA_JWT_SECRET: SECRET, ISA_DATA_DIR: dir, LOG_LEVEL: "silent" };
  const minio = await startMinioService({
    ...minioConfigFromEnv(env),
    host: "127.0.0.1",
    port: 0,
    httpPort: 0,
    backend: { kind: "fs", root: join(dir, "objects") },
    logLevel: "silent",
  });
  const systemToken = await signToken({ secret: SECRET, sub: "duckdb-service", system: true });
  const duck = await startDuckdbService({
    ...duckdbConfigFromEnv(env),
    host: "127.0.0.1",
    port: 0,
    cacheDir: join(dir, "duckdb"),
    storage: { address: `127.0.0.1:${minio.port}`, systemToken: () => systemToken },
    logLevel: "silent",
  });
  const address = `127.0.0.1:${duck.port}`;
  const closers: Array<() => void> = [];
  const stoppers: Array<() => Promise<void> | void> = [];
  const token = (sub: string, org?: string) =>
    signToken({ secret: SECRET, sub, ...(org ? { org } : {}) });
  return {
    dir,
    address,
    token,
    async client(sub, options = {}) {
      const client = createDuckdbClient({ address, token: await token(sub), ...options });
      closers.push(() => client.close());
      return client;
    },
    async storage(sub) {
      const client = createMinioClient({
        address: `127.0.0.1:${minio.port}`,
        token: await token(sub),
      });
      closers.push(() => client.close());
      return client;
    },
    onStop(fn) {
      stoppers.push(fn);
    },
    async stop() {
      for (const fn of stoppers) await fn();
      for (const close of closers) close();
      await duck.close();
      await minio.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
