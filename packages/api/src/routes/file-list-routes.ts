import type { DataService, FileInfo } from "@isa-cloud/data-service";
import { callerOf } from "../caller.js";
import { HttpProblem } from "../http-problem.js";
import { errorResponses, fileList, listQuery } from "../schemas.js";
import type { FilesApp } from "./files.js";

function fileJson(file: FileInfo) {
  return {
    key: file.key,
    size: file.size,
    etag: file.etag,
    last_modified: file.lastModified.toISOString(),
  };
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

/** GET /files: the caller's files, a page at a time. */
export function listRoutes(app: FilesApp, data: DataService): void {
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
}
