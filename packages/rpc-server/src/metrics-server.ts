import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { formatHostPort } from "@isa-cloud/rpc/wire";
import type { Logger } from "pino";
import { METRICS_CONTENT_TYPE, type MetricsSource, renderMetrics } from "./metrics-registry.js";

export interface MetricsServerOptions {
  /** Interface to listen on. Scrapers reach it there: keep it off the public network. */
  host: string;
  /** Port; 0 picks a free one (see the handle's `port`). */
  port: number;
  /** What `/metrics` serves, in this order. */
  sources: readonly MetricsSource[];
  /** `/readyz` answers 200 while this says true, else 503. Default: always ready. */
  ready?: () => boolean;
  /** Where a failed scrape is logged. Default: nowhere. */
  logger?: Logger;
}

export interface MetricsServerHandle {
  /** The bound port (the chosen one when `port` was 0). */
  port: number;
  close(): Promise<void>;
}

/**
 * The HTTP side port of a gRPC service: `GET /metrics` (Prometheus text), `GET /healthz`
 * (the process answers) and `GET /readyz` (200 while the service serves, else 503), for
 * scrapers and for probes that speak HTTP only (Docker's HEALTHCHECK). Plain HTTP without
 * auth: bind it to an interface only the scraper reaches.
 */
export async function startMetricsServer(opts: MetricsServerOptions): Promise<MetricsServerHandle> {
  const server = createServer((req, res) => {
    handle(req, res, opts).catch((err: unknown) => {
      opts.logger?.error({ err }, "metrics endpoint failed");
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end("metrics failed\n");
    });
  });
  // Scrapes are short; a stuck client must not keep the process from stopping.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  opts.logger?.info({ address: formatHostPort(opts.host, port) }, "metrics endpoint listening");
  let closing: Promise<void> | undefined;
  return {
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  opts: MetricsServerOptions,
): Promise<void> {
  const path = (req.url ?? "/").split("?")[0];
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" });
    res.end("method not allowed\n");
    return;
  }
  if (path === "/metrics") {
    const body = await renderMetrics(opts.sources);
    res.writeHead(200, { "content-type": METRICS_CONTENT_TYPE });
    res.end(req.method === "HEAD" ? undefined : body);
    return;
  }
  if (path === "/healthz") {
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("ok\n");
    return;
  }
  if (path === "/readyz") {
    const ready = opts.ready?.() ?? true;
    res.writeHead(ready ? 200 : 503, { "content-type": "text/plain" });
    res.end(ready ? "ready\n" : "not ready\n");
    return;
  }
  res.writeHead(404, { "content-type": "text/plain" });
  res.end("not found: try /metrics, /healthz or /readyz\n");
}
