import type { DataService, FileInfo } from "@isa-cloud/data-service";
import type { FastifyInstance } from "fastify";
import { asCaller } from "../caller.js";
import { HttpProblem } from "../http-problem.js";
import {
  errorResponses,
  fileList,
  listQuery,
  storedFile,
  uploadBody,
  userIdQuery,
  wildcardParams,
} from "../schemas.js";

export interface FileRoutesOptions {
  data: DataService;
  /** Largest body of a streamed upload, in bytes. */
  maxUploadBytes: number;
}

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

export async function fileRoutes(app: FastifyInstance, options: FileRoutesOptions): Promise<void> {
  const { data, maxUploadBytes } = options;

  app.post<{ Body: { file_name: string; data: string; content_type?: string } }>(
    "/upload",
    {
      schema: {
        tags: ["files"],
        summary: "Upload a file sent as base64 JSON (the guide's route)",
        description:
          "For files larger than a few MiB use `PUT /files/{name}` with the raw bytes: nothing is buffered there.",
        querystring: userIdQuery,
        body: uploadBody,
        response: { 201: storedFile, ...errorResponses(403, 409, 413) },
      },
    },
    async (request, reply) => {
      const bytes = decodeBase64(request.body.data);
      const stored = await asCaller(data, request, (caller, userId) =>
        caller.storeUserData(userId, request.body.file_name, bytes, {
          ...(request.body.content_type ? { contentType: request.body.content_type } : {}),
        }),
      );
      return reply.code(201).send({ status: "success", message: "Data uploaded", ...stored });
    },
  );

  // Raw-body streaming upload: its own plugin scope, where every content type is
  // handed over unparsed (a .json file must not be parsed as a request body).
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", (_request, payload, done) => done(null, payload));

    scope.put<{ Params: { "*": string } }>(
      "/files/*",
      {
        schema: {
          tags: ["files"],
          summary: "Upload a file of any size as the raw request body (streamed)",
          description: `The body is streamed to storage as it arrives, never held whole in memory. Send Content-Length when known; bodies above ${maxUploadBytes} bytes are refused with 413. An interrupted upload leaves nothing behind.`,
          params: wildcardParams,
          querystring: userIdQuery,
          response: { 201: storedFile, ...errorResponses(403, 409, 413) },
        },
      },
      async (request, reply) => {
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
        const abort = new AbortController();
        const onClose = () => {
          if (!request.raw.readableEnded) abort.abort();
        };
        request.raw.once("close", onClose);
        try {
          const contentType = request.headers["content-type"];
          const stored = await asCaller(data, request, (caller, userId) =>
            caller.storeUserData(userId, request.params["*"], limitBytes(body, maxUploadBytes), {
              signal: abort.signal,
              ...(Number.isSafeInteger(declared) ? { contentLength: declared } : {}),
              ...(contentType && contentType !== "application/octet-stream" ? { contentType } : {}),
            }),
          );
          return reply.code(201).send({ status: "success", message: "File stored", ...stored });
        } catch (err) {
          // The rest of the body will not be read: close the connection after answering.
          if (!request.raw.readableEnded) reply.header("connection", "close");
          throw err;
        } finally {
          request.raw.off("close", onClose);
        }
      },
    );
  });

  app.get<{ Querystring: { prefix?: string; start_after?: string; limit?: string } }>(
    "/files",
    {
      schema: {
        tags: ["files"],
        summary: "List your files",
        querystring: listQuery,
        response: { 200: fileList, ...errorResponses(403) },
      },
    },
    async (request) => {
      const { prefix, start_after, limit } = request.query;
      const listing = await asCaller(data, request, (caller, userId) =>
        caller.listUserFiles(userId, {
          ...(prefix ? { prefix } : {}),
          ...(start_after ? { startAfter: start_after } : {}),
          ...(limit ? { limit: Number(limit) } : {}),
        }),
      );
      return { files: listing.files.map(fileJson), truncated: listing.truncated };
    },
  );

  app.get<{ Params: { "*": string } }>(
    "/files/*",
    {
      // HEAD would open the object's stream only to drop it.
      exposeHeadRoute: false,
      schema: {
        tags: ["files"],
        summary: "Download a file (streamed)",
        params: wildcardParams,
        querystring: userIdQuery,
        produces: ["application/octet-stream"],
        response: {
          200: { description: "The file's bytes", type: "string", format: "binary" },
          ...errorResponses(403, 404),
        },
      },
    },
    async (request, reply) => {
      const abort = new AbortController();
      const { info, stream } = await asCaller(data, request, (caller, userId) =>
        caller.openUserFile(userId, request.params["*"], { signal: abort.signal }),
      );
      // A client that goes away mid-download cancels the call to storage.
      reply.raw.once("close", () => {
        if (!reply.raw.writableFinished) abort.abort();
      });
      return reply
        .header("content-type", info.contentType || "application/octet-stream")
        .header("content-length", info.size)
        .header("etag", `"${info.etag}"`)
        .header("last-modified", info.lastModified.toUTCString())
        .header("content-disposition", contentDisposition(info.key))
        .send(stream);
    },
  );

  app.delete<{ Params: { "*": string } }>(
    "/files/*",
    {
      schema: {
        tags: ["files"],
        summary: "Delete a file",
        params: wildcardParams,
        querystring: userIdQuery,
        response: { 204: { description: "Deleted", type: "null" }, ...errorResponses(403, 404) },
      },
    },
    async (request, reply) => {
      await asCaller(data, request, (caller, userId) =>
        caller.deleteUserFile(userId, request.params["*"]),
      );
      return reply.code(204).send();
    },
  );
}
