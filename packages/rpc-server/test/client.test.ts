import { createServer as createNetServer } from "node:net";
import { MinIOServiceDefinition } from "@isa-cloud/proto";
import { createIsaClient, type IsaClient } from "@isa-cloud/rpc/client";
import { DeadlineExceededError, NotFoundError, ServiceUnavailableError } from "@isa-cloud/rpc/wire";
import { Metadata, Status } from "nice-grpc";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { signToken } from "../src/index.js";
import { type Fixture, secret, startFixture } from "./fixture.js";

type MinioClient = IsaClient<typeof MinIOServiceDefinition>;

describe("client middleware", () => {
  let fixture: Fixture;
  let token: string;
  const clients: MinioClient[] = [];
  const client = (options: Partial<Parameters<typeof createIsaClient>[1]> = {}) => {
    const c = createIsaClient(MinIOServiceDefinition, {
      address: fixture.address,
      token,
      retry: { baseDelayMs: 10, maxDelayMs: 50 },
      ...options,
    });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    fixture = await startFixture();
    token = await signToken({ secret, sub: "alice" });
  });
  afterEach(() => {
    fixture.state.calls.clear();
    fixture.state.failFirst = undefined;
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await fixture.server.shutdown();
  });

  describe("retries", () => {
    it("retries a NO_SIDE_EFFECTS call while the server is briefly UNAVAILABLE", async () => {
      fixture.state.failFirst = { method: "listBuckets", count: 2, code: Status.UNAVAILABLE };
      const res = await client().listBuckets({});
      expect(res.success).toBe(true);
      expect(fixture.state.calls.get("listBuckets")).toBe(3);
    });

    it("does not retry a call that may have side effects", async () => {
      fixture.state.failFirst = { method: "createBucket", count: 2, code: Status.UNAVAILABLE };
      await expect(client().createBucket({ bucketName: "b" })).rejects.toBeInstanceOf(
        ServiceUnavailableError,
      );
      expect(fixture.state.calls.get("createBucket")).toBe(1);
    });

    it("does not retry a stream, even of an idempotent method", async () => {
      fixture.state.failFirst = { method: "getObject", count: 1, code: Status.UNAVAILABLE };
      const read = async () => {
        for await (const _ of client().getObject({ bucketName: "b", objectKey: "k" })) {
          // drain
        }
      };
      await expect(read()).rejects.toBeInstanceOf(ServiceUnavailableError);
      expect(fixture.state.calls.get("getObject")).toBe(1);
    });

    it("does not retry errors that would come back the same (NOT_FOUND)", async () => {
      fixture.state.failFirst = { method: "listBuckets", count: 1, code: Status.NOT_FOUND };
      await expect(client().listBuckets({})).rejects.toBeInstanceOf(NotFoundError);
      expect(fixture.state.calls.get("listBuckets")).toBe(1);
    });

    it("gives up after maxAttempts and reports the last error", async () => {
      fixture.state.failFirst = { method: "listBuckets", count: 10, code: Status.UNAVAILABLE };
      await expect(
        client({ retry: { maxAttempts: 3, baseDelayMs: 1 } }).listBuckets({}),
      ).rejects.toBeInstanceOf(ServiceUnavailableError);
      expect(fixture.state.calls.get("listBuckets")).toBe(3);
    });

    it("does not retry at all with retry: false", async () => {
      fixture.state.failFirst = { method: "listBuckets", count: 1, code: Status.UNAVAILABLE };
      await expect(client({ retry: false }).listBuckets({})).rejects.toBeInstanceOf(
        ServiceUnavailableError,
      );
      expect(fixture.state.calls.get("listBuckets")).toBe(1);
    });
  });

  describe("deadlines", () => {
    it("fails a call that outlives the default deadline with DeadlineExceededError", async () => {
      await expect(
        client({ defaultDeadlineMs: 100 }).listBuckets({ prefix: "sleep:5000" }),
      ).rejects.toBeInstanceOf(DeadlineExceededError);
    });

    it("lets a call shorten the deadline", async () => {
      await expect(
        client().listBuckets({ prefix: "sleep:5000" }, { deadline: 100 }),
      ).rejects.toBeInstanceOf(DeadlineExceededError);
    });

    it("lets a call lengthen the deadline, or drop it", async () => {
      const c = client({ defaultDeadlineMs: 50 });
      expect((await c.listBuckets({ prefix: "sleep:300" }, { deadline: 10_000 })).success).toBe(
        true,
      );
      expect((await c.listBuckets({ prefix: "sleep:300" }, { deadline: undefined })).success).toBe(
        true,
      );
    });

    it("gives streams no default deadline but honours one per call", async () => {
      const read = async (c: MinioClient, deadline?: number) => {
        let n = 0;
        const options = deadline === undefined ? {} : { deadline };
        for await (const _ of c.getObject(
          { bucketName: "sleep:300", objectKey: "k", length: 1n },
          options,
        ))
          n++;
        return n;
      };
      expect(await read(client({ defaultDeadlineMs: 50 }))).toBe(2);
      await expect(read(client(), 50)).rejects.toBeInstanceOf(DeadlineExceededError);
    });
  });

  describe("token", () => {
    it("asks a token function before every attempt", async () => {
      let asked = 0;
      const c = client({
        token: async () => {
          asked++;
          return signToken({ secret, sub: `user-${asked}` });
        },
      });
      fixture.state.failFirst = { method: "listBuckets", count: 1, code: Status.UNAVAILABLE };
      const res = await c.listBuckets({});
      expect(asked).toBe(2);
      expect(res.buckets[0]?.ownerId).toBe("user-2");
    });

    it("keeps an authorization header the call sets itself", async () => {
      const bob = await signToken({ secret, sub: "bob" });
      const res = await client().listBuckets(
        {},
        { metadata: Metadata({ authorization: `Bearer ${bob}` }) },
      );
      expect(res.buckets[0]?.ownerId).toBe("bob");
    });
  });

  describe("middleware order", () => {
    it("maps only the final error: retried failures are invisible, the last one is typed", async () => {
      fixture.state.failFirst = { method: "listBuckets", count: 2, code: Status.UNAVAILABLE };
      // After two retried UNAVAILABLEs the third attempt reaches the NOT_FOUND behaviour.
      const err = await client()
        .listBuckets({ prefix: "fail:NOT_FOUND" })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotFoundError);
      expect(fixture.state.calls.get("listBuckets")).toBe(3);
    });

    it("applies one deadline to the call as a whole, retries included", async () => {
      const c = client({
        retry: { maxAttempts: Number.POSITIVE_INFINITY, baseDelayMs: 5, maxDelayMs: 20 },
      });
      // Endless retries end at the deadline, and the caller sees the deadline, not UNAVAILABLE.
      // The failure comes from the request itself, not shared state, so an attempt still in
      // flight when the deadline fires cannot change what a later test sees.
      await expect(
        c.listBuckets({ prefix: "fail:UNAVAILABLE" }, { deadline: 300 }),
      ).rejects.toBeInstanceOf(DeadlineExceededError);
      expect(fixture.state.calls.get("listBuckets")).toBeGreaterThan(1);
    });

    it("runs the token provider inside the retry loop", async () => {
      let asked = 0;
      // Matched by name: an attempt of the test above still in flight can't use up a failure.
      fixture.state.failFirst = {
        method: "listBuckets",
        count: 3,
        code: Status.UNAVAILABLE,
        name: "token-loop",
      };
      await client({
        token: () => {
          asked++;
          return token;
        },
      }).listBuckets({ prefix: "token-loop" });
      // Three refusals and one success: one token per attempt.
      expect(asked).toBe(4);
    });
  });
});

describe("retries against a server that is not up yet", () => {
  let fixture: Fixture | undefined;
  afterAll(async () => {
    await fixture?.server.shutdown();
  });

  it("succeeds once the server starts listening", async () => {
    const port = await freePort();
    const c = createIsaClient(MinIOServiceDefinition, {
      address: `127.0.0.1:${port}`,
      token: await signToken({ secret, sub: "alice" }),
      retry: { maxAttempts: 20, baseDelayMs: 50, maxDelayMs: 500 },
      channelOptions: {
        "grpc.initial_reconnect_backoff_ms": 100,
        "grpc.max_reconnect_backoff_ms": 200,
      },
    });
    const pending = c.listBuckets({});
    // Let at least one attempt fail on the closed port before the server appears.
    await new Promise((resolve) => setTimeout(resolve, 300));
    fixture = await startFixture({ port });
    const res = await pending;
    c.close();
    expect(res.success).toBe(true);
    expect(fixture.state.calls.get("listBuckets")).toBe(1);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}
