import type { DataService, FileInfo } from "@isa-cloud/data-service";
import type { FastifyReply, FastifyRequest } from "fastify";
import { callerOf } from "../caller.js";
import {
  entityTag,
  evaluatePreconditions,
  hasPreconditions,
  rangeApplies,
} from "../http/conditional.js";
import { requestedRange } from "../http/range.js";
import { HttpProblem } from "../http-problem.js";
import { errorResponses, filePathParams, userIdQuery } from "../schemas.js";
import { keyOf } from "./file-request.js";
import type { FilesApp } from "./files.js";

/** `attachment; filename=...` with the RFC 6266 / 5987 form for names outside ASCII. */
function contentDisposition(key: string): string {
  const name = key.slice(key.lastIndexOf("/") + 1);
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** GET and HEAD /files/{path}: one byte range, conditional requests. */
export function downloadRoutes(app: FilesApp, data: DataService): void {
  const download = (head: boolean) => async (request: FastifyRequest, reply: FastifyReply) => {
    const { caller, userId } = callerOf(data, request);
    const key = keyOf(request);
    const headers = request.headers;
    const abort = new AbortController();
    // Without a Range or a precondition the file is opened at once (one call to storage);
    // otherwise its size and ETag decide first what to send.
    let info: FileInfo;
    let opened: Awaited<ReturnType<DataService["openUserFile"]>> | undefined;
    if (head || headers.range !== undefined || hasPreconditions(headers)) {
      info = await caller.statUserFile(userId, key);
    } else {
      opened = await caller.openUserFile(userId, key, { signal: abort.signal });
      info = opened.info;
    }
    reply
      .header("etag", entityTag(info.etag))
      .header("last-modified", info.lastModified.toUTCString())
      .header("accept-ranges", "bytes");
    const precondition = evaluatePreconditions(request.method, headers, info);
    if (precondition === 304) {
      opened?.stream.destroy();
      return reply.code(304).send();
    }
    if (precondition === 412) {
      throw new HttpProblem(
        412,
        "precondition_failed",
        `"${info.key}" is ETag ${entityTag(info.etag)}, last modified ${info.lastModified.toUTCString()}: the precondition does not hold`,
      );
    }
    const range = rangeApplies(headers, info)
      ? requestedRange(headers.range, info.size)
      : undefined;
    if (range === "unsatisfiable") {
      reply.header("content-range", `bytes */${info.size}`);
      throw new HttpProblem(
        416,
        "range_not_satisfiable",
        `the range ${headers.range} is outside the file's ${info.size} bytes`,
      );
    }
    reply
      .header("content-type", info.contentType || "application/octet-stream")
      .header("content-disposition", contentDisposition(info.key))
      .header("content-length", range ? range.length : info.size);
    if (range) {
      reply
        .code(206)
        .header(
          "content-range",
          `bytes ${range.offset}-${range.offset + range.length - 1}/${info.size}`,
        );
    }
    if (head) return reply.send();
    opened ??= await caller.openUserFile(userId, key, {
      signal: abort.signal,
      ...(range ?? {}),
    });
    // A client that goes away mid-download cancels the call to storage.
    reply.raw.once("close", () => {
      if (!reply.raw.writableFinished) abort.abort();
    });
    return reply.send(opened.stream);
  };

  const binary = (description: string) => ({
    description,
    content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } },
  });
  const downloadSchema = {
    tags: ["files"],
    querystring: userIdQuery,
    response: {
      200: binary("The file's bytes, with ETag, Last-Modified and Content-Disposition"),
      206: binary("The requested byte range, with Content-Range"),
      304: {
        description: "Not modified: the If-None-Match / If-Modified-Since holds",
        type: "null",
      },
      ...errorResponses(403, 404, 412, 416),
    },
  };
  const getSummary = {
    summary: "Download a file (streamed)",
    description:
      "Supports one byte range (`Range: bytes=0-1023`, 206; 416 outside the file), `If-Range`, and conditional requests: `If-None-Match` / `If-Modified-Since` (304), `If-Match` / `If-Unmodified-Since` (412).",
  };
  const headSummary = {
    summary: "A file's headers without its bytes",
    description:
      "What GET would answer (ETag, Last-Modified, Content-Length, 206/304/412/416), without a body.",
  };
  const withPath = { ...downloadSchema, params: filePathParams };
  const raw = { ...downloadSchema, hide: true };
  // HEAD is its own route: Fastify's automatic one would open the object only to drop it.
  app.get(
    "/files/:path",
    { exposeHeadRoute: false, schema: { ...withPath, ...getSummary, operationId: "getFile" } },
    download(false),
  );
  app.head(
    "/files/:path",
    { schema: { ...withPath, ...headSummary, operationId: "headFile" } },
    download(true),
  );
  app.get(
    "/files/*",
    { exposeHeadRoute: false, schema: { ...raw, ...getSummary } },
    download(false),
  );
  app.head("/files/*", { schema: { ...raw, ...headSummary } }, download(true));
}
