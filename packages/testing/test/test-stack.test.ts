import { stat } from "node:fs/promises";
import { connect } from "node:net";
import { createTokenVerifier } from "@isa-cloud/rpc-server";
import { afterEach, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "../src/index.js";

/** Whether something accepts TCP connections on `host`:`port`. */
function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

const stacks: TestStack[] = [];
afterEach(async () => {
  for (const stack of stacks.splice(0)) await stack.close();
});
async function start(options?: Parameters<typeof startTestStack>[0]) {
  const stack = await startTestStack(options);
  stacks.push(stack);
  return stack;
}

describe("startTestStack", () => {
  it("starts both services on free loopback ports, with a secret of its own", async () => {
    const stack = await start();
    expect(stack.storage.address).toBe(`127.0.0.1:${stack.storage.port}`);
    expect(stack.analytics.address).toBe(`127.0.0.1:${stack.analytics.port}`);
    expect(stack.env).toEqual({
      ISA_JWT_SECRET: stack.secret,
      LOG_LEVEL: "silent",
      MINIO_GRPC_HOST: "127.0.0.1",
      MINIO_GRPC_PORT: String(stack.storage.port),
      DUCKDB_GRPC_HOST: "127.0.0.1",
      DUCKDB_GRPC_PORT: String(stack.analytics.port),
    });
    const verify = createTokenVerifier({ hs256Secret: stack.secret });
    expect(await verify(await stack.token("alice", { org: "acme" }))).toMatchObject({
      userId: "alice",
      orgId: "acme",
    });
    expect((await start()).secret).not.toBe(stack.secret);
  });

  it("stops and starts each service again on the same port", async () => {
    const stack = await start();
    await stack.stopStorage();
    expect(await listening("127.0.0.1", stack.storage.port)).toBe(false);
    await stack.startStorage();
    expect(await listening("127.0.0.1", stack.storage.port)).toBe(true);
    await stack.stopAnalytics();
    expect(await listening("127.0.0.1", stack.analytics.port)).toBe(false);
    await stack.startAnalytics({ maxOpenDatabases: 2 });
    expect(await listening("127.0.0.1", stack.analytics.port)).toBe(true);
  });

  it("stops everything and removes its temp dir on close, twice without harm", async () => {
    const stack = await start();
    await stack.close();
    await stack.close();
    await expect(stat(stack.dir)).rejects.toMatchObject({ code: "ENOENT" });
    expect(await listening("127.0.0.1", stack.storage.port)).toBe(false);
    expect(await listening("127.0.0.1", stack.analytics.port)).toBe(false);
  });

  it("keeps objects in an s3rver bucket with backend s3", async () => {
    const stack = await start({ backend: "s3" });
    // The S3 backend presigns with the store itself: no HTTP endpoint of its own.
    expect(stack.storage.httpPort).toBe(0);
    expect((await stat(`${stack.dir}/s3`)).isDirectory()).toBe(true);
    await expect(stat(`${stack.dir}/objects`)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("listens on IPv6 loopback when asked, with bracketed addresses", async () => {
    const stack = await start({ host: "::1" });
    expect(stack.storage.address).toBe(`[::1]:${stack.storage.port}`);
    expect(stack.env.DUCKDB_GRPC_HOST).toBe("::1");
    expect(await listening("::1", stack.analytics.port)).toBe(true);
  });
});
