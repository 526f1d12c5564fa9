import { createServer, type Server } from "node:net";
import { createDuckdbClient } from "@isa-cloud/duckdb-client";
import { ConfigError, isLoopbackHost } from "@isa-cloud/rpc/wire";
import {
  assertDevSecretStaysLocal,
  createLogger,
  createTokenVerifier,
} from "@isa-cloud/rpc-server";
import type { PgGatewayConfig } from "./config.js";
import { type CancelRegistry, serveConnection } from "./connection.js";

export interface PgGatewayHandle {
  /** The port listened on (the real one when the config asked for 0). */
  port: number;
  /** Stops accepting, ends every connection (their running queries are cancelled). */
  close(): Promise<void>;
}

/**
 * Starts the Postgres wire endpoint. Every statement goes to the analytics service at
 * `analyticsAddress` with the connecting user's token. Refuses to listen beyond loopback
 * without TLS: the password is the user's token, sent in clear otherwise.
 */
export async function startPgGateway(config: PgGatewayConfig): Promise<PgGatewayHandle> {
  if (!config.tls && !isLoopbackHost(config.host)) {
    throw new ConfigError(
      "DUCKDB_PG_HOST",
      `refusing to listen on ${config.host} without TLS: the password is the user's isA token, ` +
        "which would cross the network in clear; set DUCKDB_PG_TLS_CERT and DUCKDB_PG_TLS_KEY, " +
        "or listen on 127.0.0.1",
    );
  }
  assertDevSecretStaysLocal(config.host, config.auth);
  const logger = config.logger ?? createLogger("pg-gateway", { level: config.logLevel ?? "info" });
  const client = createDuckdbClient({ address: config.analyticsAddress });
  const cancels: CancelRegistry = new Map();
  let pid = 0;
  const deps = {
    verify: createTokenVerifier(config.auth),
    client,
    ...(config.tls ? { tls: config.tls } : {}),
    maxMessageBytes: config.maxMessageBytes ?? 8 * 1024 * 1024,
    cancels,
    logger,
    // BackendKeyData's process id: unique per connection of this gateway.
    nextPid: () => (pid = (pid % 0x7fffffff) + 1),
  };
  const sockets = new Set<import("node:net").Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    serveConnection(socket, deps);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  logger.info(
    { host: config.host, port, analytics: config.analyticsAddress, tls: !!config.tls },
    "pg-gateway listening",
  );
  let closing: Promise<void> | undefined;
  return {
    port,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const socket of sockets) socket.destroy();
        await closed;
        client.close();
      })();
      return closing;
    },
  };
}
