import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildApp } from "@isa-cloud/api";
import { DataService, StorageService } from "@isa-cloud/data-service";
import { minioConfigFromEnv, startMinioService } from "@isa-cloud/minio-service";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HTTP_PATHS } from "./roles.js";

// The endpoints the manifests' probes may name (roles.ts) are really served, and the
// image's health check script tells a healthy container from a dead one.
const healthcheck = fileURLToPath(new URL("../../../deploy/healthcheck.mjs", import.meta.url));
let dir: string;
let storage: Awaited<ReturnType<typeof startMinioService>>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "isa-deploy-check-"));
  storage = await startMinioService(
    minioConfigFromEnv({
      ISA_DATA_DIR: dir,
      MINIO_GRPC_PORT: "0",
      MINIO_HTTP_PORT: "0",
      LOG_LEVEL: "silent",
    }),
  );
});

afterAll(async () => {
  await storage?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("the endpoints probes and scrapers use", () => {
  it("are served on a service's metrics port", async () => {
    for (const path of HTTP_PATHS.metrics!) {
      const res = await fetch(`http://127.0.0.1:${storage.metricsPort}${path}`);
      expect(res.status, path).toBe(200);
    }
  });

  it("are served by the HTTP API without a token", async () => {
    const healthy = { status: "SERVING" as const };
    const services = new StorageService({
      minioAddress: "127.0.0.1:1",
      duckdbAddress: "127.0.0.1:1",
    });
    // Readiness asks both services; here they say they serve.
    services.health = async () => ({ storage: healthy, analytics: healthy });
    const app = await buildApp({
      dataService: new DataService(services),
      auth: { hs256Secret: "deploy-check-secret-deploy-check-secret" },
    });
    try {
      for (const path of HTTP_PATHS["http-api"]!) {
        const res = await app.inject({ method: "GET", url: path, remoteAddress: "10.0.0.1" });
        expect(res.statusCode, path).toBe(200);
      }
    } finally {
      await app.close();
      services.close();
    }
  });
});

describe("deploy/healthcheck.mjs", () => {
  // Asynchronously: the storage service it probes runs in this process.
  const run = (env: Record<string, string>) =>
    new Promise<{ status: number | null; stdout: string }>((resolve) => {
      execFile(
        process.execPath,
        [healthcheck],
        { env: { PATH: process.env.PATH ?? "", ...env } },
        (err, stdout) => {
          resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout });
        },
      );
    });

  it("is healthy when the role's endpoint answers, whatever else is closed", async () => {
    const result = await run({
      MINIO_METRICS_PORT: String(storage.metricsPort),
      DUCKDB_METRICS_PORT: String(await closedPort()),
      API_PORT: String(await closedPort()),
    });
    expect(result.status, String(result.stdout)).toBe(0);
  });

  it("is unhealthy when nothing answers", async () => {
    const result = await run({
      MINIO_METRICS_PORT: String(await closedPort()),
      DUCKDB_METRICS_PORT: "off",
      API_PORT: String(await closedPort()),
    });
    expect(result.status).toBe(1);
  });
});
