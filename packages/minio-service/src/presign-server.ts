import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Readable } from "node:stream";
import { ServerError, Status } from "nice-grpc";
import type { Logger } from "pino";
import type { ReadChunking, StorageBackend } from "./backend/backend.js";
import { type PresignClaims, verifyPresigned } from "./presign.js";
import { normalizeContentType, validateBucketName, validateObjectKey } from "./validation.js";

export interface PresignServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  secret: string;
  backend: StorageBackend;
  logger: Logger;
}

export interface PresignServer {
  port: number;
  /** Stops accepting; requests in flight get `graceMs` to finish. */
  close(graceMs?: number): Promise<void>;
}

/** A presigned GET reads the object in chunks of this size, into reused buffers. */
const READ_BYTES = 1024 * 1024;
/** Read buffers a GET keeps for its next reads: one being read, one queued, a few sent. */
const SPARE_READS = 4;

const OVERRIDE_HEADERS: Record<string, string> = {
  "response-cache-control": "Cache-Control",
  "response-content-disposition": "Content-Disposition",
  "response-content-encoding": "Content-Encoding",
  "response-content-language": "Content-Language",
  "response-content-type": "Content-Type",
  "response-expires": "Expires",
};

/** The filesystem backend's endpoint for presigned GET and PUT URLs (see presign.ts for the URL form). */
export async function startPresignServer(opts: PresignServerOptions): Promise<PresignServer> {
  const { backend, logger } = opts;
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = httpStatus(err);
      if (status === 500) logger.error({ err, url: req.url }, "presigned request failed");
      if (!res.headersSent)
        reply(res, status, err instanceof ServerError ? err.details : "internal error");
      else res.destroy();
    });
  });
  // Large uploads and downloads may take long; only the headers have a deadline.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method === "HEAD" ? "GET" : req.method;
    if (method !== "GET" && method !== "PUT") {
      res.setHeader("Allow", "GET, HEAD, PUT");
      return reply(res, 405, "only GET, HEAD and PUT work on presigned URLs");
    }
    const check = verifyPresigned(
      method,
      req.url ?? "/",
      opts.secret,
      Math.floor(Date.now() / 1000),
    );
    if (!check.ok) return reply(res, check.status, check.message);
    const { loc, key } = check.claims;
    validateBucketName(loc.bucket);
    validateObjectKey(key);
    if (method === "PUT") return put(req, res, check.claims);

    const info = await backend.statObject(loc, key);
    if (!info) return reply(res, 404, "no such object");
    const range = parseRange(req.headers.range, info.size);
    if (range === "unsatisfiable") {
      res.setHeader("Content-Range", `bytes */${info.size}`);
      return reply(res, 416, "range not satisfiable");
    }
    const want = range
      ? { offset: range.start, length: range.end - range.start }
      : { offset: 0, length: 0 };
    const spare: Uint8Array[] = [];
    const chunking: ReadChunking = {
      chunkBytes: READ_BYTES,
      alloc: (size) => (size === READ_BYTES ? spare.pop() : undefined) ?? Buffer.allocUnsafe(size),
    };
    const found = await backend.getObject(loc, key, want, chunking);
    if (!found) return reply(res, 404, "no such object");
    const headers: Record<string, string | number> = {
      "Content-Type": found.info.contentType,
      "Content-Length": found.range.end - found.range.start,
      ETag: `"${found.info.etag}"`,
      "Last-Modified": found.info.lastModified.toUTCString(),
      "Accept-Ranges": "bytes",
    };
    if (range) {
      headers["Content-Range"] =
        `bytes ${found.range.start}-${found.range.end - 1}/${found.info.size}`;
    }
    for (const [param, value] of Object.entries(check.claims.responseOverrides)) {
      const header = OVERRIDE_HEADERS[param];
      if (header) headers[header] = value;
    }
    res.writeHead(range ? 206 : 200, headers);
    if (req.method === "HEAD") {
      found.body.destroy();
      res.end();
      return;
    }
    await send(found.body, res, spare);
  }

  async function put(
    req: IncomingMessage,
    res: ServerResponse,
    claims: PresignClaims,
  ): Promise<void> {
    const sent = req.headers["content-type"];
    if (claims.contentType !== undefined && sent !== claims.contentType) {
      return reply(
        res,
        403,
        `this URL was signed for Content-Type ${JSON.stringify(claims.contentType)}; send that header`,
      );
    }
    const contentType = normalizeContentType(claims.contentType ?? sent ?? "");
    if (!(await backend.getBucket(claims.loc))) return reply(res, 404, "no such bucket");
    const stored = await backend.putObject(claims.loc, claims.key, req, {
      contentType,
      metadata: {},
      ownerId: claims.ownerId,
    });
    res.writeHead(200, { ETag: `"${stored.etag}"`, "Content-Length": 0 });
    res.end();
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ host: opts.host, port }, "presigned URL endpoint listening");

  return {
    port,
    async close(graceMs = 10_000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(timer);
    },
  };
}

/**
 * Writes `body` to `res`; each full read buffer goes back to `spare` once the socket has
 * taken its bytes, and the next reads fill it again. A fresh 1 MiB buffer per read was
 * garbage that V8 collected only on external memory pressure (tens of MiB of RSS, and the
 * main thread's collections). Stops, closing the body, when the client goes away.
 */
async function send(body: Readable, res: ServerResponse, spare: Uint8Array[]): Promise<void> {
  try {
    for await (const chunk of body as AsyncIterable<Uint8Array>) {
      const reuse = (err?: Error | null) => {
        if (!err && chunk.byteLength === READ_BYTES && spare.length < SPARE_READS)
          spare.push(chunk);
      };
      if (!res.write(chunk, reuse)) await drainedOrClosed(res);
      if (res.destroyed) return;
    }
    res.end();
  } finally {
    body.destroy();
  }
}

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

function reply(res: ServerResponse, status: number, message: string): void {
  const body = `${message}\n`;
  res.writeHead(status, {
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": Buffer.byteLength(body),
  });
  res.end(body);
}

function httpStatus(err: unknown): number {
  if (!(err instanceof ServerError)) return 500;
  switch (err.code) {
    case Status.INVALID_ARGUMENT:
      return 400;
    case Status.NOT_FOUND:
      return 404;
    case Status.PERMISSION_DENIED:
      return 403;
    default:
      return 500;
  }
}

/** One `bytes=` range (a-b, a-, -n); undefined means the whole object (absent or unparseable). */
function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | "unsatisfiable" | undefined {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match || (match[1] === "" && match[2] === "")) return undefined;
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (suffix === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size };
  }
  const start = Number(match[1]);
  const end = match[2] === "" ? size : Math.min(size, Number(match[2]) + 1);
  if (start >= size || end <= start) return "unsatisfiable";
  return { start, end };
}
