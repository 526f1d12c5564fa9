import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "@isa-cloud/rpc/wire";
import { createChannel, createClient } from "nice-grpc";
import { HealthDefinition } from "nice-grpc-server-health";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ServiceStartError,
  type StackEvent,
  type StartServicesOptions,
  startServices,
} from "../src/index.js";

const env = {
  ISA_JWT_SECRET: "stack-test-secret-of-at-least-32-characters",
  LOG_LEVEL: "silent",
  MINIO_GRPC_PORT: "0",
  MINIO_HTTP_PORT: "0",
  DUCKDB_GRPC_PORT: "0",
};

let dir: string;
const cleanups: Array<() => Promise<void>> = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "isa-stack-"));
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await rm(dir, { recursive: true, force: true });
});

async function start(options: Partial<StartServicesOptions> = {}) {
  const handle = await startServices({ env, dataDir: dir, ...options });
  cleanups.push(() => handle.close());
  return handle;
}

/** grpc.health.v1 status of the server at `address`, or the error that stopped the check. */
async function health(address: string): Promise<string> {
  const channel = createChannel(address);
  try {
    const client = createClient(HealthDefinition, channel);
    const { status } = await client.check({ service: "" }, { signal: AbortSignal.timeout(5_000) });
    return String(status);
  } catch (err) {
    return `error: ${(err as Error).message}`;
  } finally {
    channel.close();
  }
}

/** A port something else already listens on. */
async function takenPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  return (server.address() as { port: number }).port;
}

describe("startServices", () => {
  it("starts storage, then analytics against it, and says where each listens", async () => {
    const events: StackEvent[] = [];
    const stack = await start({ onProgress: (event) => events.push(event) });
    expect(events.map((e) => `${e.service} ${e.phase}`)).toEqual([
      "storage starting",
      "storage ready",
      "analytics starting",
      "analytics ready",
    ]);
    expect(stack.storage?.address).toBe(`127.0.0.1:${stack.storage?.port}`);
    expect(stack.analytics?.address).toBe(`127.0.0.1:${stack.analytics?.port}`);
    expect(stack.env).toMatchObject({
      MINIO_GRPC_HOST: "127.0.0.1",
      MINIO_GRPC_PORT: String(stack.storage?.port),
      DUCKDB_GRPC_HOST: "127.0.0.1",
      DUCKDB_GRPC_PORT: String(stack.analytics?.port),
    });
    expect(await health(stack.storage!.address)).toBe("1");
    expect(await health(stack.analytics!.address)).toBe("1");
    await stack.close();
    expect(await health(stack.analytics!.address)).toMatch(/^error/);
  });

  it("runs analytics in worker processes by default, and in this process on request", async () => {
    const workers = await start();
    expect(await health(workers.analytics!.address)).toBe("1");
    await expect(
      start({ services: ["analytics"], env: workers.env, analytics: { maxOpenDatabases: 2 } }),
    ).rejects.toThrow(/in-process/);
    const inProcess = await start({
      env: { ...workers.env, DUCKDB_GRPC_PORT: "0" },
      services: ["analytics"],
      isolation: "in-process",
      analytics: { maxOpenDatabases: 2 },
    });
    expect(await health(inProcess.analytics!.address)).toBe("1");
  });

  it("refuses an isolation it does not know, naming DUCKDB_ISOLATION", async () => {
    await expect(start({ env: { ...env, DUCKDB_ISOLATION: "threads" } })).rejects.toThrow(
      /DUCKDB_ISOLATION/,
    );
  });

  it("starts analytics alone, finding storage through MINIO_GRPC_HOST/PORT", async () => {
    const storage = await start({ services: ["storage"] });
    expect(storage.analytics).toBeUndefined();
    const analytics = await start({ env: storage.env, services: ["analytics"] });
    expect(analytics.storage).toBeUndefined();
    expect(await health(analytics.analytics!.address)).toBe("1");
  });

  it("lets typed settings win over the environment", async () => {
    const busy = await takenPort();
    const stack = await start({
      env: { ...env, MINIO_HTTP_PORT: String(busy) },
      storage: { httpPort: 0 },
    });
    expect(stack.storage?.httpPort).not.toBe(busy);
  });

  it("names the service that cannot listen, and stops what had started", async () => {
    const busy = await takenPort();
    let storage = "";
    const failed = startServices({
      env: { ...env, DUCKDB_GRPC_PORT: String(busy) },
      dataDir: dir,
      onProgress: (event) => {
        if (event.phase === "ready") storage = event.address;
      },
    });
    await expect(failed).rejects.toBeInstanceOf(ServiceStartError);
    await expect(failed).rejects.toMatchObject({ service: "analytics" });
    expect(await health(storage)).toMatch(/^error/);
  });

  it("throws a bad setting as its reader raised it, before starting that service", async () => {
    const failed = start({ env: { ...env, DUCKDB_GRPC_PORT: "fifty" } });
    await expect(failed).rejects.toBeInstanceOf(ConfigError);
    await expect(failed).rejects.toThrow(/DUCKDB_GRPC_PORT/);
  });
});
