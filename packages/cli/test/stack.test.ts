import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ServiceStartError, STACK_SERVICES } from "@isa-cloud/stack";
import {
  bearer,
  EPHEMERAL_PORTS,
  randomSecret,
  startS3Server,
  tokenSigner,
} from "@isa-cloud/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SERVICE_NAMES, type StackEvent, startStack } from "../src/stack.js";

// startStack itself is under test here, so each test brings it up from settings.
const ephemeral = { ...EPHEMERAL_PORTS, LOG_LEVEL: "silent" };

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

describe("startStack", () => {
  it("names the stack package's services, in its order, in SERVICE_NAMES (written out to keep client commands light)", () => {
    expect(
      SERVICE_NAMES.filter((name) => (STACK_SERVICES as readonly string[]).includes(name)),
    ).toEqual([...STACK_SERVICES]);
  });

  it("tells each service starting and ready, in order, the API last", async () => {
    const events: StackEvent[] = [];
    const stack = await startStack({
      env: { ...ephemeral, ISA_JWT_SECRET: randomSecret() },
      dataDir: join(dir, "data"),
      onProgress: (event) => events.push(event),
    });
    try {
      expect(events.map((event) => `${event.service} ${event.phase}`)).toEqual([
        "storage starting",
        "storage ready",
        "analytics starting",
        "analytics ready",
        "postgres starting",
        "postgres ready",
        "api starting",
        "api ready",
      ]);
      expect(events.at(-1)).toMatchObject({
        address: stack.api!.url,
        detail: `docs at ${stack.api!.url}/docs`,
      });
    } finally {
      await stack.close();
    }
  });

  it("names the API when it cannot listen, and stops the services it had started", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const apiPort = (taken.address() as { port: number }).port;
    let storagePort = "";
    try {
      const failed = startStack({
        env: { ...ephemeral, ISA_JWT_SECRET: randomSecret(), API_PORT: String(apiPort) },
        dataDir: join(dir, "data"),
        onProgress: (event) => {
          if (event.service === "storage" && event.phase === "ready") {
            storagePort = event.address.split(":")[1]!;
          }
        },
      });
      await expect(failed).rejects.toBeInstanceOf(ServiceStartError);
      await expect(failed).rejects.toMatchObject({ service: "api" });
    } finally {
      taken.close();
    }
    // Storage's port is free again: it was stopped, not left running.
    const again = await startStack({
      env: { ...ephemeral, MINIO_GRPC_PORT: storagePort },
      dataDir: join(dir, "data"),
      only: "storage",
    });
    await again.close();
  });
});

describe("startStack with MINIO_BACKEND=s3", () => {
  it("stores objects in the S3 bucket named by MINIO_S3_*, not under the data directory", async () => {
    const s3 = await startS3Server(join(dir, "s3rver"));
    const secret = randomSecret();
    const dataDir = join(dir, "data");
    const stack = await startStack({
      env: { ...ephemeral, ISA_JWT_SECRET: secret, ...s3.env("isa-cli-test") },
      dataDir,
    });
    try {
      const res = await fetch(`${stack.api!.url}/api/v1/data/upload`, {
        method: "POST",
        headers: {
          ...bearer(await tokenSigner(secret)("alice")),
          "content-type": "application/json",
        },
        body: JSON.stringify({
          file_name: "s3.txt",
          data: Buffer.from("in s3").toString("base64"),
        }),
      });
      expect(res.status).toBe(201);
      expect(await filesUnder(join(s3.directory, "isa-cli-test"))).not.toEqual([]);
      await expect(stat(join(dataDir, "objects"))).rejects.toMatchObject({ code: "ENOENT" });
    } finally {
      await stack.close();
      await s3.close();
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
    const stack = await startStack({
      env: {
        ...ephemeral,
        ISA_JWT_SECRET: randomSecret(),
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
