import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { duckdbConfigFromEnv } from "./config.js";
import { limitsFromConfig } from "./limits.js";

describe("duckdbConfigFromEnv", () => {
  it("uses the platform's defaults", async () => {
    const config = duckdbConfigFromEnv({ ISA_JWT_SECRET: "s" });
    expect(config).toMatchObject({
      host: "0.0.0.0",
      port: 50052,
      cacheDir: resolve("./data", "duckdb"),
      storage: { address: "localhost:50051", bucket: "duckdb-databases" },
      maxOpenDatabases: 64,
      checkpointIntervalMs: 60_000,
      defaultLimits: { memoryLimit: "512MB", threads: 2 },
    });
    const token = await config.storage.systemToken();
    const claims = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString());
    expect(claims.isa_system).toBe(true);
  });

  it("reads the analytics and storage addresses and the data directory", () => {
    const config = duckdbConfigFromEnv({
      DUCKDB_GRPC_HOST: "127.0.0.1",
      DUCKDB_GRPC_PORT: "6000",
      MINIO_GRPC_HOST: "storage",
      MINIO_GRPC_PORT: "7000",
      ISA_DATA_DIR: "/srv/isa",
      ISA_SYSTEM_TOKEN: "tok",
    });
    expect(config).toMatchObject({
      host: "127.0.0.1",
      port: 6000,
      cacheDir: "/srv/isa/duckdb",
      storage: { address: "storage:7000" },
    });
    expect(config.storage.systemToken()).toBe("tok");
  });

  it.each([
    ["DUCKDB_GRPC_PORT", "http"],
    ["MINIO_GRPC_PORT", "70000"],
    ["DUCKDB_MAX_OPEN_DATABASES", "0"],
    ["DUCKDB_MEMORY_LIMIT", "a lot"],
    ["DUCKDB_CHECKPOINT_INTERVAL_SECONDS", "-1"],
  ])("names %s when its value is bad", (name, value) => {
    expect(() => duckdbConfigFromEnv({ ISA_JWT_SECRET: "s", [name]: value })).toThrow(name);
  });

  it("needs ISA_SYSTEM_TOKEN when there is no shared secret to sign one", () => {
    expect(() => duckdbConfigFromEnv({ ISA_JWKS_URL: "https://issuer.example/jwks.json" })).toThrow(
      "ISA_SYSTEM_TOKEN",
    );
  });
});

describe("limitsFromConfig", () => {
  const defaults = { memoryLimit: "512MB", threads: 2 };
  const caps = { maxMemoryBytes: 4e9, maxThreads: 4 };

  it("takes memory_limit and threads within the caps", () => {
    expect(limitsFromConfig({ memory_limit: "1GiB", threads: "3" }, defaults, caps)).toEqual({
      memoryLimit: "1GiB",
      threads: 3,
    });
    expect(limitsFromConfig({}, defaults, caps)).toEqual(defaults);
  });

  it.each([
    [{ memory_limit: "64MB" }],
    [{ memory_limit: "5GB" }],
    [{ memory_limit: "1 bucket" }],
    [{ threads: "1.5" }],
    [{ threads: "5" }],
    [{ temp_directory: "/tmp" }],
  ])("refuses %o", (config) => {
    expect(() => limitsFromConfig(config, defaults, caps)).toThrow(/config/);
  });
});
