import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "@isa-cloud/rpc/wire";
import { DEV_JWT_SECRET } from "@isa-cloud/rpc-server";
import { describe, expect, it } from "vitest";
import { apiConfigFromEnv, loadEnvFile } from "./config.js";

describe("apiConfigFromEnv", () => {
  it("has defaults for everything", () => {
    const config = apiConfigFromEnv({});
    expect(config).toMatchObject({
      host: "127.0.0.1",
      port: 8080,
      bodyLimit: 16 * 1024 * 1024,
      rateLimit: { max: 600, timeWindowMs: 60_000 },
      docs: true,
      logLevel: "info",
      services: { minioAddress: "localhost:50051", duckdbAddress: "localhost:50052" },
    });
    expect(config.auth.hs256Secret).toBe(DEV_JWT_SECRET);
  });

  it("turns rate limiting off with API_RATE_LIMIT_MAX=0", () => {
    expect(apiConfigFromEnv({ API_RATE_LIMIT_MAX: "0" }).rateLimit).toBe(false);
  });

  it.each([
    ["API_PORT", "eighty"],
    ["API_HOST", "http://0.0.0.0"],
    ["API_BODY_LIMIT", "12"],
    ["API_RATE_LIMIT_MAX", "-1"],
    ["API_DOCS", "sometimes"],
    ["LOG_LEVEL", "chatty"],
    ["MINIO_GRPC_PORT", "99999"],
    ["DUCKDB_GRPC_HOST", "duckdb:50052"],
    ["ISA_JWKS_URL", "not a url"],
    ["ISA_TRUST_USER_ID", "yes"],
  ])("refuses a bad %s with a message naming it", (variable, value) => {
    try {
      apiConfigFromEnv({ [variable]: value });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).variable).toBe(variable);
      expect((err as Error).message).toContain(variable);
    }
  });
});

describe("loadEnvFile", () => {
  it("reads .env without overriding variables already set", async () => {
    const dir = await mkdtemp(join(tmpdir(), "api-env-"));
    try {
      await writeFile(join(dir, ".env"), "MINIO_GRPC_HOST=storage.internal\nAPI_PORT=9000\n");
      const env: Record<string, string | undefined> = { API_PORT: "9100" };
      loadEnvFile(join(dir, ".env"), env);
      expect(env).toMatchObject({ MINIO_GRPC_HOST: "storage.internal", API_PORT: "9100" });
      expect(apiConfigFromEnv(env).services.minioAddress).toBe("storage.internal:50051");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
