import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataService, StorageService } from "@isa-cloud/data-service";
import {
  type DuckdbServiceHandle,
  startDuckdbService,
  systemTokenSigner,
} from "@isa-cloud/duckdb-service";
import { type MinioServiceHandle, startMinioService } from "@isa-cloud/minio-service";
import { type AuthConfig, signToken } from "@isa-cloud/rpc";
import type { FastifyInstance } from "fastify";
import { type BuildAppOptions, buildApp } from "../src/app.js";

export type StackAppOptions = Partial<Omit<BuildAppOptions, "dataService" | "auth">>;

/**
 * The real stack for a test file: storage (filesystem backend) and analytics on
 * ephemeral loopback ports over a fresh temp dir, and the API built over them.
 * Each service can be stopped and started again on the same port.
 */
export async function startStack(appOptions: StackAppOptions = {}) {
  const dir = await mkdtemp(join(tmpdir(), "isa-api-test-"));
  const secret = randomBytes(32).toString("hex");
  const auth: AuthConfig = { hs256Secret: secret };
  const host = "127.0.0.1";

  let storagePort = 0;
  let storage: MinioServiceHandle | undefined;
  const startStorage = async () => {
    storage = await startMinioService({
      host,
      port: storagePort,
      httpPort: 0,
      backend: { kind: "fs", root: join(dir, "objects") },
      auth,
      presignSecret: secret,
      maxMessageBytes: 8 * 1024 * 1024,
      logLevel: "silent",
    });
    storagePort = storage.port;
  };
  await startStorage();

  let analyticsPort = 0;
  let analytics: DuckdbServiceHandle | undefined;
  const startAnalytics = async () => {
    analytics = await startDuckdbService({
      host,
      port: analyticsPort,
      cacheDir: join(dir, "duckdb"),
      storage: { address: `${host}:${storagePort}`, systemToken: systemTokenSigner(secret) },
      auth,
      maxOpenDatabases: 16,
      checkpointIntervalMs: 60_000,
      logLevel: "silent",
    });
    analyticsPort = analytics.port;
  };
  await startAnalytics();

  const storageService = new StorageService({
    minioAddress: `${host}:${storagePort}`,
    duckdbAddress: `${host}:${analyticsPort}`,
    // A restarted service is found again within a second, not grpc-js's default 1-120 s backoff.
    channelOptions: {
      "grpc.initial_reconnect_backoff_ms": 100,
      "grpc.max_reconnect_backoff_ms": 500,
    },
  });
  const data = new DataService(storageService);
  const app: FastifyInstance = await buildApp({
    dataService: data,
    auth,
    rateLimit: false,
    ...appOptions,
  });
  await app.listen({ host, port: 0 });
  const url = `http://${host}:${(app.server.address() as AddressInfo).port}`;

  return {
    app,
    data,
    url,
    secret,
    /** A bearer token for `user`. */
    token: (user: string, expiresIn = "1h") => signToken({ secret, sub: user, expiresIn }),
    async stopStorage() {
      await storage?.close();
      storage = undefined;
    },
    startStorage,
    async stopAnalytics() {
      await analytics?.close();
      analytics = undefined;
    },
    startAnalytics,
    async close() {
      await app.close();
      storageService.close();
      await analytics?.close();
      await storage?.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export type TestStack = Awaited<ReturnType<typeof startStack>>;

/** `Authorization` header of a bearer token. */
export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

/** CSV in the guide's user_events columns. */
export function eventsCsv(rows: Array<[string, string, number, number]>): string {
  return `event_type,date,duration,value\n${rows.map((r) => r.join(",")).join("\n")}\n`;
}
