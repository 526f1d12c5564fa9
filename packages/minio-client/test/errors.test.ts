import { randomBytes } from "node:crypto";
import net, { type AddressInfo } from "node:net";
import { signToken } from "@isa-cloud/rpc-server";
import { Status } from "nice-grpc-common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DeadlineExceededError,
  IsaError,
  MinioClient,
  NotFoundError,
  ResourceExhaustedError,
  ServiceUnavailableError,
  UnauthenticatedError,
} from "../src/index.js";
import { rejectionOf, type Storage, startStorage } from "./storage.js";

const MiB = 1024 * 1024;

let storage: Storage;
let client: MinioClient;
const extra: MinioClient[] = [];

function clientOf(options: ConstructorParameters<typeof MinioClient>[0]): MinioClient {
  const c = new MinioClient(options);
  extra.push(c);
  return c;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  // A small message limit, so that the service itself refuses a large message.
  storage = await startStorage({ maxMessageBytes: 256 * 1024 });
  client = await storage.client("frank");
  await client.createBucket("errors");
});

afterAll(async () => {
  for (const c of extra) c.close();
  await storage?.close();
});

describe("typed errors from real conditions", () => {
  it("throws UnauthenticatedError without a token", async () => {
    const anonymous = clientOf({ address: storage.address });
    const error = await rejectionOf(anonymous.listBuckets());
    expect(error).toBeInstanceOf(UnauthenticatedError);
    expect(error).toBeInstanceOf(IsaError);
    expect(error).toMatchObject({
      code: Status.UNAUTHENTICATED,
      path: "/isa.minio.MinIOService/ListBuckets",
    });
  });

  it("throws UnauthenticatedError for a token signed with another secret", async () => {
    const forged = await signToken({ secret: "not-the-servers-secret", sub: "frank" });
    const error = await rejectionOf(
      clientOf({ address: storage.address, token: forged }).listBuckets(),
    );
    expect(error).toBeInstanceOf(UnauthenticatedError);
  });

  it("throws ResourceExhaustedError when a message exceeds the service's limit, storing nothing", async () => {
    // Our 1 MiB upload chunks are over this service's 256 KiB limit.
    const error = await rejectionOf(client.putObject("errors", "too-big", randomBytes(2 * MiB)));
    expect(error).toBeInstanceOf(ResourceExhaustedError);
    expect(error).toMatchObject({ code: Status.RESOURCE_EXHAUSTED });
    await expect(client.statObject("errors", "too-big")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("sends smaller chunks when maxMessageBytes is under 1 MiB, so uploads fit such a service", async () => {
    const small = clientOf({
      address: storage.address,
      token: await storage.token("frank"),
      maxMessageBytes: 256 * 1024,
    });
    const content = randomBytes(2 * MiB);
    expect(await small.putObject("errors", "fits", content)).toMatchObject({ size: 2 * MiB });
    expect((await small.getObject("errors", "fits")).equals(content)).toBe(true);
  });

  it("throws DeadlineExceededError when an upload outlives its deadline, storing nothing", async () => {
    async function* endless() {
      while (true) yield randomBytes(64 * 1024);
    }
    // Chunks this service's 256 KiB limit takes, so that only the deadline can end it.
    const fitting = clientOf({
      address: storage.address,
      token: await storage.token("frank"),
      maxMessageBytes: 256 * 1024,
    });
    const error = await rejectionOf(
      fitting.putObject("errors", "slow", endless(), { deadline: 200 }),
    );
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(error).toMatchObject({ code: Status.DEADLINE_EXCEEDED });
    await expect(client.statObject("errors", "slow")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("throws DeadlineExceededError when a server never answers within defaultDeadlineMs", async () => {
    // Accepts connections and stays silent: the call can only end by its deadline.
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const error = await rejectionOf(
        clientOf({ address: `127.0.0.1:${port}`, defaultDeadlineMs: 300 }).statObject("a", "b"),
      );
      expect(error).toBeInstanceOf(DeadlineExceededError);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it("lets a per-call deadline override defaultDeadlineMs", async () => {
    const impatient = clientOf({
      address: storage.address,
      token: await storage.token("frank"),
      defaultDeadlineMs: 1,
    });
    const names = (await impatient.listBuckets({ deadline: 30_000 })).map((b) => b.name);
    expect(names).toContain("errors");
  });

  it("throws ServiceUnavailableError, naming the address, when nothing listens", async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const error = await rejectionOf(clientOf({ address, retry: false }).listBuckets());
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error).toMatchObject({ code: Status.UNAVAILABLE });
    expect((error as Error).message).toContain(address);
  });

  it("throws ServiceUnavailableError after the retries of an idempotent call run out", async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const retrying = clientOf({
      address,
      retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 10 },
    });
    await expect(retrying.statObject("a", "b")).rejects.toBeInstanceOf(ServiceUnavailableError);
  });
});
