import net, { type AddressInfo } from "node:net";
import { signToken } from "@isa-cloud/rpc-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MinioClient, ServiceUnavailableError } from "../src/index.js";
import { type FaultProxy, startFaultProxy } from "./fault-proxy.js";
import { rejectionOf, type Storage, startStorage } from "./storage.js";

const SERVICE = "/isa.minio.MinIOService/";
const fastRetry = { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20 };

let storage: Storage;
let proxy: FaultProxy;
let client: MinioClient;
const extra: MinioClient[] = [];

beforeAll(async () => {
  storage = await startStorage();
  proxy = await startFaultProxy(storage.address);
  client = new MinioClient({
    address: proxy.address,
    token: await storage.token("gina"),
    retry: fastRetry,
  });
  extra.push(client);
  await client.createBucket("retries");
  await client.putObject("retries", "k", "v");
});

afterAll(async () => {
  for (const c of extra) c.close();
  await proxy?.close();
  await storage?.close();
});

const callsTo = (method: string) => proxy.calls.get(SERVICE + method) ?? 0;

describe("retries", () => {
  it("retries an idempotent call through a briefly unavailable service", async () => {
    const before = callsTo("ListBuckets");
    proxy.failNext(2);
    const buckets = await client.listBuckets();
    expect(buckets.map((b) => b.name)).toEqual(["retries"]);
    expect(callsTo("ListBuckets") - before).toBe(3);
  });

  it("never retries a call with side effects: createBucket fails once, creating nothing", async () => {
    const before = callsTo("CreateBucket");
    proxy.failNext(1);
    const error = await rejectionOf(client.createBucket("once"));
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(callsTo("CreateBucket") - before).toBe(1);
    expect(await client.bucketExists("once")).toBe(false);
  });

  it("never retries a stream, even a read-only one", async () => {
    const before = callsTo("GetObject");
    proxy.failNext(1);
    await expect(client.getObject("retries", "k")).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect(callsTo("GetObject") - before).toBe(1);
  });

  it("gives up after maxAttempts attempts", async () => {
    const before = callsTo("StatObject");
    proxy.failNext(10);
    await expect(client.statObject("retries", "k")).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect(callsTo("StatObject") - before).toBe(fastRetry.maxAttempts);
    proxy.failNext(0);
  });

  it("makes one attempt only with retry: false", async () => {
    const once = new MinioClient({
      address: proxy.address,
      token: await storage.token("gina"),
      retry: false,
    });
    extra.push(once);
    const before = callsTo("StatObject");
    proxy.failNext(1);
    await expect(once.statObject("retries", "k")).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect(callsTo("StatObject") - before).toBe(1);
  });

  it("succeeds when the service starts only after the first attempt failed", async () => {
    const secret = "late-start-secret";
    // Hold a port with a listener that drops every connection: the service is "down".
    let refused = 0;
    const down = net.createServer((socket) => {
      refused++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => down.listen(0, "127.0.0.1", resolve));
    const { port } = down.address() as AddressInfo;
    const late = new MinioClient({
      address: `127.0.0.1:${port}`,
      token: await signToken({ secret, sub: "late" }),
      retry: { maxAttempts: 100, baseDelayMs: 20, maxDelayMs: 50 },
      // Reconnect quickly once the port answers again.
      channelOptions: {
        "grpc.initial_reconnect_backoff_ms": 20,
        "grpc.max_reconnect_backoff_ms": 50,
      },
    });
    const call = late.listBuckets();
    while (refused === 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise<void>((resolve) => down.close(() => resolve()));
    const lateStorage = await startStorage({ port, secret });
    try {
      expect(await call).toEqual([]);
    } finally {
      late.close();
      await lateStorage.close();
    }
  });
});

describe("the channel pool", () => {
  it("opens poolSize real connections and spreads calls over them", async () => {
    const pooled = new MinioClient({
      address: proxy.address,
      token: await storage.token("gina"),
      poolSize: 4,
    });
    extra.push(pooled);
    const before = proxy.connections;
    for (let i = 0; i < 8; i++) await pooled.statObject("retries", "k");
    expect(proxy.connections - before).toBe(4);
  });

  it("uses one connection with the default pool size", async () => {
    const single = new MinioClient({ address: proxy.address, token: await storage.token("gina") });
    extra.push(single);
    const before = proxy.connections;
    for (let i = 0; i < 8; i++) await single.statObject("retries", "k");
    expect(proxy.connections - before).toBe(1);
  });
});
