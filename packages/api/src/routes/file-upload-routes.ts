import multipart from "@fastify/multipart";
import { Type, type TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import { callerOf } from "../caller.js";
import { entityTag } from "../http/conditional.js";
import { HttpProblem } from "../http-problem.js";
import {
  errorResponses,
  filePathParams,
  storedFile,
  storedFiles,
  uploadBody,
  userIdQuery,
} from "../schemas.js";
import { abortOnClose, checkWritePreconditions, keyOf } from "./file-request.js";
import type { FileRoutesOptions, FilesApp } from "./files.js";

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

/** POST /upload (base64 JSON), POST /files (multipart) and PUT /files/{path} (raw body). */
export async function uploadRoutes(app: FilesApp, options: FileRoutesOptions): Promise<void> {
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
}
