import { cpus, totalmem } from "node:os";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import {
  duckdbConfigFromEnv,
  MAX_MESSAGE_BYTES_CAP,
  perDatabaseShare,
  resolveConfig,
} from "./config.js";
import { clampLimits, limitsFromConfig } from "./engine/limits.js";

describe("duckdbConfigFromEnv", () => {
  it("uses the platform's defaults", async () => {
    const config = duckdbConfigFromEnv({ ISA_JWT_SECRET: "s" });
    expect(config).toMatchObject({
      host: "127.0.0.1",
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

  it("brackets an IPv6 storage host in the address", () => {
    for (const host of ["::1", "[::1]"]) {
      const config = duckdbConfigFromEnv({ MINIO_GRPC_HOST: host, ISA_SYSTEM_TOKEN: "tok" });
      expect(config.storage.address).toBe("[::1]:50051");
    }
  });

  it("defaults the budget to half the RAM and two threads per CPU", () => {
    const config = duckdbConfigFromEnv({ ISA_JWT_SECRET: "s" });
    expect(config.totalMemoryBytes).toBe(Math.floor(totalmem() / 2));
    expect(config.totalThreads).toBe(cpus().length * 2);
    expect(
      duckdbConfigFromEnv({
        ISA_JWT_SECRET: "s",
        DUCKDB_TOTAL_MEMORY: "16GB",
        DUCKDB_TOTAL_THREADS: "8",
      }),
    ).toMatchObject({ totalMemoryBytes: 16e9, totalThreads: 8 });
  });

  it("takes ISA_MAX_MESSAGE_BYTES up to 64 MiB", () => {
    expect(
      duckdbConfigFromEnv({
        ISA_JWT_SECRET: "s",
        ISA_MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES_CAP),
      }).maxMessageBytes,
    ).toBe(64 * 1024 * 1024);
    expect(() =>
      duckdbConfigFromEnv({
        ISA_JWT_SECRET: "s",
        ISA_MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES_CAP + 1),
      }),
    ).toThrow(/ISA_MAX_MESSAGE_BYTES must be a whole number from 65536 to 67108864/);
  });

  it.each([
    ["DUCKDB_GRPC_PORT", "http"],
    ["MINIO_GRPC_PORT", "70000"],
    ["DUCKDB_MAX_OPEN_DATABASES", "0"],
    ["DUCKDB_MEMORY_LIMIT", "a lot"],
    ["DUCKDB_CHECKPOINT_INTERVAL_SECONDS", "-1"],
    ["DUCKDB_TOTAL_MEMORY", "100MB"],
    ["DUCKDB_TOTAL_MEMORY", "half"],
    ["DUCKDB_TOTAL_THREADS", "0"],
    ["ISA_MAX_MESSAGE_BYTES", "1024"],
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

describe("the per-database share of the process-wide budget", () => {
  it("splits memory and threads evenly over the open databases", () => {
    expect(perDatabaseShare(32e9, 16, 64)).toEqual({
      maxOpenDatabases: 64,
      memoryBytes: 500e6,
      threads: 1,
    });
    expect(perDatabaseShare(16e9, 64, 8)).toEqual({
      maxOpenDatabases: 8,
      memoryBytes: 2e9,
      threads: 8,
    });
  });

  it("opens fewer databases rather than give one less than 128 MB", () => {
    expect(perDatabaseShare(1e9, 4, 64)).toEqual({
      maxOpenDatabases: 7,
      memoryBytes: 142_857_142,
      threads: 1,
    });
  });

  it("caps the defaults and what CreateDatabase may ask for at the share", () => {
    const resolved = resolveConfig({
      host: "127.0.0.1",
      port: 0,
      cacheDir: "/tmp/x",
      storage: { address: "localhost:1", systemToken: () => "t" },
      auth: {},
      maxOpenDatabases: 64,
      checkpointIntervalMs: 1000,
      totalMemoryBytes: 16e9,
      totalThreads: 64,
      maxMessageBytes: 1024 ** 3,
    });
    expect(resolved.limitCaps).toEqual({ maxMemoryBytes: 250e6, maxThreads: 1 });
    expect(resolved.defaultLimits).toEqual({ memoryLimit: "250MB", threads: 1 });
    expect(resolved.maxMessageBytes).toBe(MAX_MESSAGE_BYTES_CAP);
  });

  it("lowers stored limits above the caps and keeps those within", () => {
    const caps = { maxMemoryBytes: 250e6, maxThreads: 2 };
    expect(clampLimits({ memoryLimit: "4GB", threads: 4 }, caps)).toEqual({
      memoryLimit: "250MB",
      threads: 2,
    });
    expect(clampLimits({ memoryLimit: "200MB", threads: 1 }, caps)).toEqual({
      memoryLimit: "200MB",
      threads: 1,
    });
  });
});
