import { describe, expect, it } from "vitest";
import { dataServiceConfigFromEnv, resultCacheOption } from "./config.js";

describe("dataServiceConfigFromEnv", () => {
  it("defaults to the fixed local ports when nothing is set (the guide had no defaults)", () => {
    expect(dataServiceConfigFromEnv({})).toEqual({
      minioAddress: "localhost:50051",
      duckdbAddress: "localhost:50052",
      bucket: "data",
      poolSize: 1,
      defaultDeadlineMs: 30_000,
      queryMaxRows: 10_000,
      resultCacheMb: 32,
    });
  });

  it("reads the guide's variables", () => {
    const config = dataServiceConfigFromEnv({
      MINIO_GRPC_HOST: "storage",
      MINIO_GRPC_PORT: "6000",
      DUCKDB_GRPC_HOST: "::1",
      DUCKDB_GRPC_PORT: "6001",
    });
    expect(config.minioAddress).toBe("storage:6000");
    expect(config.duckdbAddress).toBe("[::1]:6001");
  });

  it("names the variable holding a bad value", () => {
    expect(() => dataServiceConfigFromEnv({ DUCKDB_GRPC_PORT: "fifty" })).toThrow(
      /DUCKDB_GRPC_PORT/,
    );
    expect(() => dataServiceConfigFromEnv({ MINIO_GRPC_HOST: "localhost:50051" })).toThrow(
      /MINIO_GRPC_HOST/,
    );
    expect(() => dataServiceConfigFromEnv({ ISA_USER_BUCKET: "Bad_Bucket" })).toThrow(
      /ISA_USER_BUCKET must be a bucket name/,
    );
    expect(() => dataServiceConfigFromEnv({ ISA_GRPC_POOL_SIZE: "0" })).toThrow(
      /ISA_GRPC_POOL_SIZE/,
    );
    for (const bad of ["-1", "lots", "1.5", "65537"]) {
      expect(() => dataServiceConfigFromEnv({ ISA_RESULT_CACHE_MB: bad })).toThrow(
        /ISA_RESULT_CACHE_MB/,
      );
    }
  });

  it("turns the result cache off with ISA_RESULT_CACHE_MB=0 and caps its bytes otherwise", () => {
    expect(resultCacheOption(dataServiceConfigFromEnv({ ISA_RESULT_CACHE_MB: "0" }))).toBe(false);
    expect(resultCacheOption(dataServiceConfigFromEnv({ ISA_RESULT_CACHE_MB: "4" }))).toEqual({
      maxBytes: 4 * 1024 * 1024,
    });
  });
});
