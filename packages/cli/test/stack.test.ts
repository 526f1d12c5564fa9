import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signToken } from "@isa-cloud/rpc";
import S3rver from "s3rver";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startStack } from "../src/stack.js";

const ephemeral = {
  MINIO_GRPC_PORT: "0",
  MINIO_HTTP_PORT: "0",
  DUCKDB_GRPC_PORT: "0",
  API_PORT: "0",
  LOG_LEVEL: "silent",
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "isa-stack-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Every file under `root`, as paths relative to it. */
async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe("startStack with MINIO_BACKEND=s3", () => {
  it("stores objects in the S3 bucket named by MINIO_S3_*, not under the data directory", async () => {
    const s3rver = new S3rver({
      address: "127.0.0.1",
      port: 0,
      silent: true,
      directory: join(dir, "s3rver"),
    });
    const { port } = await s3rver.run();
    const secret = randomBytes(32).toString("hex");
    const dataDir = join(dir, "data");
    const stack = await startStack({
      env: {
        ...ephemeral,
        ISA_JWT_SECRET: secret,
        MINIO_BACKEND: "s3",
        MINIO_S3_ENDPOINT: `http://127.0.0.1:${port}`,
        // s3rver knows one account: S3RVER / S3RVER.
        MINIO_S3_ACCESS_KEY: "S3RVER",
        MINIO_S3_SECRET_KEY: "S3RVER",
        MINIO_S3_BUCKET: "isa-cli-test",
      },
      dataDir,
    });
    try {
      const token = await signToken({ secret, sub: "alice" });
      const res = await fetch(`${stack.api!.url}/api/v1/data/upload`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({
          file_name: "s3.txt",
          data: Buffer.from("in s3").toString("base64"),
        }),
      });
      expect(res.status).toBe(201);
      expect(await filesUnder(join(dir, "s3rver", "isa-cli-test"))).not.toEqual([]);
      await expect(stat(join(dataDir, "objects"))).rejects.toMatchObject({ code: "ENOENT" });
    } finally {
      await stack.close();
      await s3rver.close();
    }
  });

  it("refuses to start storage without the S3 credentials, naming the variable", async () => {
    const dataDir = join(dir, "data");
    await expect(
      startStack({
        env: { ...ephemeral, MINIO_BACKEND: "s3", MINIO_S3_ENDPOINT: "http://127.0.0.1:1" },
        dataDir,
        only: "storage",
      }),
    ).rejects.toThrow(/MINIO_S3_ACCESS_KEY/);
    await expect(stat(join(dataDir, "objects"))).rejects.toMatchObject({ code: "ENOENT" });
  });
});

describe("startStack on IPv6 loopback", () => {
  it("brackets ::1 in every address it reports, and the services reach each other there", async () => {
    const secret = randomBytes(32).toString("hex");
    const stack = await startStack({
      env: {
        ...ephemeral,
        ISA_JWT_SECRET: secret,
        MINIO_GRPC_HOST: "::1",
        DUCKDB_GRPC_HOST: "::1",
        API_HOST: "::1",
      },
      dataDir: join(dir, "data"),
    });
    try {
      expect(stack.storage?.address).toMatch(/^\[::1\]:\d+$/);
      expect(stack.analytics?.address).toMatch(/^\[::1\]:\d+$/);
      expect(stack.api?.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
      const ready = await fetch(`${stack.api!.url}/readyz`);
      expect(await ready.json()).toMatchObject({ status: "ready" });
    } finally {
      await stack.close();
    }
  });
});
