import { hkdfSync } from "node:crypto";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { minioConfigFromEnv } from "./config.js";

describe("minioConfigFromEnv", () => {
  it("defaults to the embedded setup: filesystem backend under ./data, loopback, 50051/50080", () => {
    const config = minioConfigFromEnv({});
    expect(config).toMatchObject({
      host: "127.0.0.1",
      port: 50051,
      httpPort: 50080,
      backend: { kind: "fs", root: resolve("data", "objects") },
      maxMessageBytes: 8 * 1024 * 1024,
      presignSecret: "",
    });
    expect(config.auth.hs256Secret).toBeTruthy();
  });

  it("reads the S3 settings, with path style on for a custom endpoint", () => {
    const config = minioConfigFromEnv({
      MINIO_BACKEND: "s3",
      MINIO_S3_ENDPOINT: "http://minio:9000",
      MINIO_S3_ACCESS_KEY: "key",
      MINIO_S3_SECRET_KEY: "secret",
      MINIO_S3_BUCKET: "tenant-data",
      ISA_JWT_SECRET: "jwt-secret",
    });
    expect(config.backend).toEqual({
      kind: "s3",
      endpoint: "http://minio:9000",
      region: "us-east-1",
      accessKeyId: "key",
      secretAccessKey: "secret",
      forcePathStyle: true,
      bucket: "tenant-data",
    });
    expect(config.presignSecret).toMatch(/^[0-9a-f]{64}$/);
  });

  it("takes the message limit from ISA_MAX_MESSAGE_BYTES, overridden by MINIO_MAX_MESSAGE_BYTES", () => {
    expect(minioConfigFromEnv({ ISA_MAX_MESSAGE_BYTES: "16777216" }).maxMessageBytes).toBe(
      16 * 1024 * 1024,
    );
    expect(
      minioConfigFromEnv({ ISA_MAX_MESSAGE_BYTES: "16777216", MINIO_MAX_MESSAGE_BYTES: "4194304" })
        .maxMessageBytes,
    ).toBe(4 * 1024 * 1024);
  });

  it("derives the presign key from ISA_JWT_SECRET by HKDF instead of reusing it", () => {
    const derived = minioConfigFromEnv({ ISA_JWT_SECRET: "jwt-secret" }).presignSecret;
    expect(derived).toBe(
      Buffer.from(hkdfSync("sha256", "jwt-secret", "", "isa-presign-v1", 32)).toString("hex"),
    );
    expect(derived).not.toBe("jwt-secret");
    expect(minioConfigFromEnv({ ISA_JWT_SECRET: "other-secret" }).presignSecret).not.toBe(derived);
    expect(
      minioConfigFromEnv({ ISA_JWT_SECRET: "jwt-secret", MINIO_PRESIGN_SECRET: "own" })
        .presignSecret,
    ).toBe("own");
  });

  it.each([
    [{ MINIO_GRPC_PORT: "http" }, /MINIO_GRPC_PORT must be a port number/],
    [{ MINIO_HTTP_PORT: "70000" }, /MINIO_HTTP_PORT must be a port number/],
    [{ MINIO_BACKEND: "gcs" }, /MINIO_BACKEND must be "fs" or "s3"/],
    [
      { ISA_JWT_SECRET: "same-secret", MINIO_PRESIGN_SECRET: "same-secret" },
      /MINIO_PRESIGN_SECRET must differ from ISA_JWT_SECRET/,
    ],
    [{ MINIO_PUBLIC_URL: "ftp://x" }, /MINIO_PUBLIC_URL must be an http\(s\) URL/],
    [{ MINIO_MAX_MESSAGE_BYTES: "10" }, /MINIO_MAX_MESSAGE_BYTES must be a whole number/],
    [{ ISA_MAX_MESSAGE_BYTES: "big" }, /ISA_MAX_MESSAGE_BYTES must be a whole number/],
    [{ MINIO_BACKEND: "s3", MINIO_S3_SECRET_KEY: "s" }, /MINIO_S3_ACCESS_KEY is required/],
    [{ MINIO_BACKEND: "s3", MINIO_S3_ACCESS_KEY: "k" }, /MINIO_S3_SECRET_KEY is required/],
    [
      {
        MINIO_BACKEND: "s3",
        MINIO_S3_ACCESS_KEY: "k",
        MINIO_S3_SECRET_KEY: "s",
        MINIO_S3_ENDPOINT: "::",
      },
      /MINIO_S3_ENDPOINT must be a URL/,
    ],
    [
      {
        MINIO_BACKEND: "s3",
        MINIO_S3_ACCESS_KEY: "k",
        MINIO_S3_SECRET_KEY: "s",
        MINIO_S3_BUCKET: "Bad_Bucket",
      },
      /MINIO_S3_BUCKET/,
    ],
    [
      {
        MINIO_BACKEND: "s3",
        MINIO_S3_ACCESS_KEY: "k",
        MINIO_S3_SECRET_KEY: "s",
        MINIO_S3_FORCE_PATH_STYLE: "yes",
      },
      /MINIO_S3_FORCE_PATH_STYLE must be "true" or "false"/,
    ],
  ])("names the variable in the error for %j", (env, message) => {
    expect(() => minioConfigFromEnv(env)).toThrow(message);
  });
});
