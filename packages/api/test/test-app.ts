import type { AddressInfo } from "node:net";
import { DataService, StorageService } from "@isa-cloud/data-service";
import { startTestStack } from "@isa-cloud/testing";
import type { FastifyInstance } from "fastify";
import { type BuildAppOptions, buildApp } from "../src/app.js";

export type TestAppOptions = Partial<Omit<BuildAppOptions, "dataService" | "auth">>;

/**
 * The API over the real storage and analytics services of a test stack, built but not
 * listening: routes are called in-process with `app.inject()`, and `listen()` opens a
 * real socket for the tests that are about one.
 */
export async function startTestApp(appOptions: TestAppOptions = {}) {
  const stack = await startTestStack();
  const storageService = new StorageService({
    minioAddress: stack.storage.address,
    duckdbAddress: stack.analytics.address,
    // A restarted service is found again within a second, not grpc-js's default 1-120 s backoff.
    channelOptions: {
      "grpc.initial_reconnect_backoff_ms": 100,
      "grpc.max_reconnect_backoff_ms": 500,
    },
  });
  const data = new DataService(storageService);
  let app: FastifyInstance;
  try {
    app = await buildApp({
      dataService: data,
      auth: { hs256Secret: stack.secret },
      rateLimit: false,
      ...appOptions,
    });
  } catch (err) {
    storageService.close();
    await stack.close();
    throw err;
  }

  return {
    app,
    data,
    secret: stack.secret,
    token: stack.token,
    stopStorage: stack.stopStorage,
    startStorage: stack.startStorage,
    stopAnalytics: stack.stopAnalytics,
    startAnalytics: stack.startAnalytics,
    /** Listens on a free loopback port; resolves with the base URL. */
    async listen(): Promise<string> {
      await app.listen({ host: "127.0.0.1", port: 0 });
      return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    },
    async close() {
      await app.close();
      storageService.close();
      await stack.close();
    },
  };
}

export type TestApp = Awaited<ReturnType<typeof startTestApp>>;
