import multipart from "@fastify/multipart";
import {
  type FastifyPluginAsyncTypebox,
  Type,
  type TypeBoxTypeProvider,
} from "@fastify/type-provider-typebox";
import type { DataService, FileInfo } from "@isa-cloud/data-service";
import { NotFoundError } from "@isa-cloud/rpc/wire";
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
import {
  errorResponses,
  fileList,
  fileName,
  filePathParams,
  listQuery,
  storedFile,
  storedFiles,
  uploadBody,
  userIdQuery,
} from "../schemas.js";

export interface FileRoutesOptions {
  data: DataService;
  /** Largest body of a streamed upload (and of each file of a multipart upload), in bytes. */
  maxUploadBytes: number;
}

/** Files one multipart request may carry. */
export const MAX_FILES_PER_UPLOAD = 100;

const BASE64 =
  /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;

/** Strict base64: Buffer.from(..., "base64") skips characters it does not know, silently. */
export function decodeBase64(text: string): Buffer {
  const compact = text.replace(/\s+/g, "");
  if (!BASE64.test(compact)) {
    throw new HttpProblem(400, "invalid_argument", "data must be base64 encoded bytes");
  }
  return Buffer.from(compact, "base64");
}

function fileJson(file: FileInfo) {
  return {
    key: file.key,
    size: file.size,
    etag: file.etag,
    last_modified: file.lastModified.toISOString(),
  };
}

/** `attachment; filename=...` with the RFC 6266 / 5987 form for names outside ASCII. */
function contentDisposition(key: string): string {
  const name = key.slice(key.lastIndexOf("/") + 1);
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** Counts the body's bytes as it flows and stops it at `max`: the limit holds without Content-Length. */
async function* limitBytes(source: AsyncIterable<Uint8Array>, max: number) {
  let seen = 0;
  for await (const chunk of source) {
    seen += chunk.length;
    if (seen > max) {
      throw new HttpProblem(413, "payload_too_large", `the upload is larger than ${max} bytes`);
    }
    yield chunk;
  }
}

/**
 * The key of a file route: `/files/{path}` carries it as one encoded segment (what
 * OpenAPI generators send), the undocumented `/files/*` twin with raw "/" (what curl
 * users type and older clients send).
 */
function keyOf(request: FastifyRequest): string {
  const params = request.params as { path?: string; "*"?: string };
  return params.path ?? params["*"] ?? "";
}

/** A cursor a client cannot read into: the key to list after, base64url JSON. */
function encodeToken(after: string): string {
  return Buffer.from(JSON.stringify({ a: after })).toString("base64url");
}

function decodeToken(token: string): string {
  try {
    const { a } = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { a?: unknown };
    if (typeof a === "string" && a !== "") return a;
  } catch {}
  throw new HttpProblem(
    400,
    "invalid_argument",
    "continuation_token is not one this API gave; send next_continuation_token of the previous page, or leave it out to start over",
  );
}

/** The file as it is now, or undefined when there is none (for preconditions on writes). */
async function currentFile(data: DataService, userId: string, key: string) {
  try {
    return await data.statUserFile(userId, key);
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

/** 412 for a write whose If-Match / If-None-Match / If-Unmodified-Since does not hold. */
async function checkWritePreconditions(
  request: FastifyRequest,
  data: DataService,
  userId: string,
  key: string,
): Promise<void> {
  if (!hasPreconditions(request.headers)) return;
  const current = await currentFile(data, userId, key);
  if (evaluatePreconditions(request.method, request.headers, current) === 412) {
    throw new HttpProblem(
      412,
      "precondition_failed",
      current
        ? `"${key}" is now ETag ${entityTag(current.etag)}: fetch it again and retry with that ETag`
        : `"${key}" does not exist: If-Match needs an existing file (use If-None-Match: * to create one)`,
    );
  }
}

export const fileRoutes: FastifyPluginAsyncTypebox<FileRoutesOptions> = async (app, options) => {
  const { data, maxUploadBytes } = options;

  app.post(
    "/upload",
    {
      schema: {
        operationId: "uploadBase64",
        tags: ["files"],
        summary: "Upload a file sent as base64 JSON (the guide's route)",
        description:
          "For files larger than a few MiB use `PUT /files/{path}` with the raw bytes or `POST /files` with multipart/form-data: nothing is buffered there.",
        querystring: userIdQuery,
        body: uploadBody,
        response: { 201: storedFile, ...errorResponses(403, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      const bytes = decodeBase64(request.body.data);
      const { caller, userId } = callerOf(data, request);
      const stored = await caller.storeUserData(userId, request.body.file_name, bytes, {
        ...(request.body.content_type ? { contentType: request.body.content_type } : {}),
      });
      return reply.code(201).send({ status: "success", message: "Data uploaded", ...stored });
    },
  );

  // Multipart uploads: their own scope, where only multipart/form-data is parsed.
  await app.register(async (plain) => {
    const scope = plain.withTypeProvider<TypeBoxTypeProvider>();
    await scope.register(multipart, {
      // Our own counter (limitBytes) answers first with the same message as PUT; this
      // bound keeps busboy from ever holding more than it.
      limits: { fileSize: maxUploadBytes + 1, files: MAX_FILES_PER_UPLOAD, fieldSize: 1024 },
    });
    scope.post(
      "/files",
      {
        schema: {
          operationId: "uploadFiles",
          tags: ["files"],
          summary: "Upload one or more files as multipart/form-data (streamed)",
          description: `Each file part is streamed to storage as it arrives, under \`prefix\` + its filename (\`curl -F file=@a.csv -F file=@b.csv\`). At most ${MAX_FILES_PER_UPLOAD} files of ${maxUploadBytes} bytes each; parts without a filename are ignored. Files are stored one after the other: when one fails, those before it stay stored.`,
          querystring: Type.Object(
            {
              prefix: Type.Optional(
                Type.String({
                  maxLength: 512,
                  pattern: "^$|/$",
                  description: 'A folder to store the files in, ending with "/"',
                  examples: ["uploads/"],
                }),
              ),
              user_id: userIdQuery.properties.user_id,
            },
            { additionalProperties: false },
          ),
          response: { 201: storedFiles, ...errorResponses(403, 409, 413, 415) },
        },
      },
      async (request, reply) => {
        if (!request.isMultipart()) {
          throw new HttpProblem(
            415,
            "unsupported_media_type",
            "send multipart/form-data with one part per file (curl -F file=@events.csv), or PUT /files/{path} with the raw bytes",
          );
        }
        const { caller, userId } = callerOf(data, request);
        const abort = abortOnClose(request);
        const stored = [];
        try {
          for await (const part of request.parts()) {
            if (part.type !== "file" || !part.filename) continue;
            const file = await caller.storeUserData(
              userId,
              `${request.query.prefix ?? ""}${part.filename}`,
              limitBytes(part.file, maxUploadBytes),
              {
                signal: abort.signal,
                ...(part.mimetype && part.mimetype !== "application/octet-stream"
                  ? { contentType: part.mimetype }
                  : {}),
              },
            );
            stored.push({ status: "success" as const, message: "File stored", ...file });
          }
        } catch (err) {
          if (!request.raw.readableEnded) reply.header("connection", "close");
          throw err;
        } finally {
          abort.done();
        }
        if (stored.length === 0) {
          throw new HttpProblem(
            400,
            "invalid_argument",
            "the form has no file: send each file as a part with a filename (curl -F file=@events.csv)",
          );
        }
        return reply.code(201).send({ status: "success", files: stored });
      },
    );
  });

  // Raw-body streaming upload: its own plugin scope, where every content type is
  // handed over unparsed (a .json file must not be parsed as a request body).
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", (_request, payload, done) => done(null, payload));

    const upload = async (request: FastifyRequest, reply: FastifyReply) => {
      const declared = Number(request.headers["content-length"] ?? Number.NaN);
      if (declared > maxUploadBytes) {
        reply.header("connection", "close");
        throw new HttpProblem(
          413,
          "payload_too_large",
          `the upload is ${declared} bytes; at most ${maxUploadBytes} are accepted`,
        );
      }
      // Without a Content-Type no parser runs; the raw request is the body then.
      const body = (request.body as AsyncIterable<Uint8Array> | undefined) ?? request.raw;
      const { caller, userId } = callerOf(data, request);
      const key = keyOf(request);
      const abort = abortOnClose(request);
      try {
        await checkWritePreconditions(request, caller, userId, key);
        const contentType = request.headers["content-type"];
        const stored = await caller.storeUserData(userId, key, limitBytes(body, maxUploadBytes), {
          signal: abort.signal,
          ...(Number.isSafeInteger(declared) ? { contentLength: declared } : {}),
          ...(contentType && contentType !== "application/octet-stream" ? { contentType } : {}),
        });
        return reply
          .code(201)
          .header("etag", entityTag(stored.etag))
          .send({ status: "success", message: "File stored", ...stored });
      } catch (err) {
        // The rest of the body will not be read: close the connection after answering.
        if (!request.raw.readableEnded) reply.header("connection", "close");
        throw err;
      } finally {
        abort.done();
      }
    };
    const schema = {
      tags: ["files"],
      summary: "Upload a file of any size as the raw request body (streamed)",
      description: `The body is streamed to storage as it arrives, never held whole in memory. Send Content-Length when known; bodies above ${maxUploadBytes} bytes are refused with 413. An interrupted upload leaves nothing behind. \`If-None-Match: *\` stores only if there is no such file yet, \`If-Match: <etag>\` only over that version (else 412); checked just before the upload starts, not atomically with it.`,
      querystring: userIdQuery,
      response: { 201: storedFile, ...errorResponses(403, 409, 412, 413) },
    };
    scope.put(
      "/files/:path",
      { schema: { ...schema, operationId: "putFile", params: filePathParams } },
      upload,
    );
    scope.put("/files/*", { schema: { ...schema, hide: true } }, upload);
  });

  app.get(
    "/files",
    {
      schema: {
        operationId: "listFiles",
        tags: ["files"],
        summary: "List your files",
        description:
          "In key order, a page at a time: pass `next_continuation_token` back as `continuation_token` while `truncated` is true. With `delimiter=/`, keys below the next `/` after `prefix` are rolled up into `common_prefixes`, like folders.",
        querystring: listQuery,
        response: { 200: fileList, ...errorResponses(403) },
      },
    },
    async (request) => {
      const { prefix, start_after, limit, delimiter, continuation_token } = request.query;
      const after = continuation_token ? decodeToken(continuation_token) : start_after;
      const { caller, userId } = callerOf(data, request);
      const listing = await caller.listUserFiles(userId, {
        ...(prefix ? { prefix } : {}),
        ...(after ? { startAfter: after } : {}),
        ...(limit ? { limit: Number(limit) } : {}),
        ...(delimiter ? { delimiter } : {}),
      });
      const lastKey = listing.files.at(-1)?.key ?? "";
      const lastPrefix = listing.prefixes.at(-1) ?? "";
      // After a common prefix, resume past every key under it: U+10FFFF sorts after any
      // character a key can have there (keys are compared as UTF-8 bytes).
      const resume = lastPrefix > lastKey ? `${lastPrefix}\u{10FFFF}` : lastKey;
      return {
        files: listing.files.map(fileJson),
        common_prefixes: listing.prefixes,
        truncated: listing.truncated,
        ...(listing.truncated && resume ? { next_continuation_token: encodeToken(resume) } : {}),
      };
    },
  );

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

  const remove = async (request: FastifyRequest, reply: FastifyReply) => {
    const { caller, userId } = callerOf(data, request);
    const key = keyOf(request);
    await checkWritePreconditions(request, caller, userId, key);
    await caller.deleteUserFile(userId, key);
    return reply.code(204).send();
  };
  const deleteSchema = {
    tags: ["files"],
    summary: "Delete a file",
    description: "`If-Match: <etag>` deletes only that version (else 412).",
    querystring: userIdQuery,
    response: { 204: { description: "Deleted", type: "null" }, ...errorResponses(403, 404, 412) },
  };
  app.delete(
    "/files/:path",
    { schema: { ...deleteSchema, operationId: "deleteFile", params: filePathParams } },
    remove,
  );
  app.delete(
    "/files/*",
    { schema: { ...deleteSchema, hide: true, params: Type.Object({ "*": fileName }) } },
    remove,
  );
};

/** An AbortController aborted when the client hangs up before its body was read. */
function abortOnClose(request: FastifyRequest) {
  const controller = new AbortController();
  const onClose = () => {
    if (!request.raw.readableEnded) controller.abort();
  };
  request.raw.once("close", onClose);
  return {
    signal: controller.signal,
    done: () => request.raw.off("close", onClose),
  };
}
