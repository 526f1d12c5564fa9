import type { AddressInfo } from "node:net";
import { DataService, resultCacheOption, StorageService } from "@isa-cloud/data-service";
import { connectableHost, formatHostPort } from "@isa-cloud/rpc/wire";
import {
  assertDevSecretStaysLocal,
  createLogger,
  DEV_JWT_SECRET,
  ensureContextManager,
  startTracing,
} from "@isa-cloud/rpc-server";
import type { FastifyInstance } from "fastify";
import { buildApp } from "./app.js";
import type { ApiConfig } from "./config.js";
import { type OperationsOptions, operationsFromEnv } from "./operations/operations-options.js";

export interface ApiHandle {
  /** The port listened on (the real one when config.port was 0). */
  port: number;
  /** Base URL for clients on this machine, e.g. "http://127.0.0.1:8080" ("https://" with TLS). */
  url: string;
  app: FastifyInstance;
  /** Stops accepting requests, lets those in flight finish, then closes the service clients. */
  close(): Promise<void>;
}

/**
 * Starts the API as configured: clients of both services (built here and closed
 * with the server), the app, and a listening socket. With the built-in dev secret it
 * warns, and refuses (naming ISA_JWT_SECRET) to listen beyond loopback.
 */
export async function startApi(
  config: ApiConfig,
  operations: OperationsOptions = operationsFromEnv(),
): Promise<ApiHandle> {
  assertDevSecretStaysLocal(config.host, config.auth);
  // The request id must follow each request through its awaits to reach the services'
  // calls, with or without tracing.
  ensureContextManager();
  const tracing = await startTracing({ serviceName: "isa-api" });
  const logger = createLogger("api", { level: config.logLevel });
  if (config.auth.hs256Secret === DEV_JWT_SECRET) {
    logger.warn(
      "tokens are checked with the built-in dev secret, which anyone can sign tokens with; set ISA_JWT_SECRET in production",
    );
  }
  const storage = new StorageService({
    minioAddress: config.services.minioAddress,
    duckdbAddress: config.services.duckdbAddress,
    poolSize: config.services.poolSize,
    defaultDeadlineMs: config.services.defaultDeadlineMs,
  });
  const dataService = new DataService(storage, {
    bucket: config.services.bucket,
    queryMaxRows: config.services.queryMaxRows,
    resultCache: resultCacheOption(config.services),
  });
  let app: FastifyInstance;
  try {
    app = await buildApp({
      dataService,
      auth: config.auth,
      logger,
      bodyLimit: config.bodyLimit,
      maxUploadBytes: config.maxUploadBytes,
      rateLimit: config.rateLimit,
      docs: config.docs,
      devSignIn: config.devSignIn,
      ...(config.corsOrigins ? { cors: config.corsOrigins } : {}),
      operations,
    });
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    storage.close();
    await tracing?.shutdown();
    throw err;
  }
  const { port } = app.server.address() as AddressInfo;
  return {
    port,
    url: `${operations.tls ? "https" : "http"}://${formatHostPort(connectableHost(config.host), port)}`,
    app,
    async close() {
      try {
        await app.close();
      } finally {
        storage.close();
        await tracing?.shutdown();
      }
    },
  };
}
