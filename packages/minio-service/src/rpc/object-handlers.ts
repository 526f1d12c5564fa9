import type { minio } from "@isa-cloud/proto";
import { allocBytesField, rechunk } from "@isa-cloud/rpc/wire";
import { ServerError, Status } from "nice-grpc";
import { callerOf, resolveBucket } from "../access.js";
import type { ListEntry, ReadChunking } from "../backend/backend.js";
import { sameTenant } from "../tenant.js";
import {
  invalidArgument,
  MAX_DELETE_KEYS,
  MAX_KEY_BYTES,
  MAX_LIST_KEYS,
  nonNegativeField,
  normalizeContentType,
  parseBucketRef,
  quoted,
  validateMetadata,
  validateObjectKey,
} from "../validation.js";
import { listedInfo, objectInfo } from "./convert.js";
import type { Impl, ServiceDeps } from "./deps.js";
import { decodeListToken, encodeListToken, type ListPosition } from "./list-token.js";
import { bodyOf, readHeader } from "./request-stream.js";

type ObjectMethods = Pick<
  Impl,
  | "putObject"
  | "getObject"
  | "deleteObject"
  | "deleteObjects"
  | "listObjects"
  | "copyObject"
  | "statObject"
>;

/** GetObject joins store reads smaller than this into one message. */
const MIN_MESSAGE_BYTES = 256 * 1024;
/**
 * Chunks GetObject lets wait in grpc-js's send queue of a call. grpc-js asks for more until
 * 16 wait (its object streams' default), which a fast disk and a slower reader fill: 16 MiB
 * per download. A few keep the connection busy just as well.
 */
const MAX_QUEUED_CHUNKS = 4;

export function objectHandlers({ backend, chunkBytes }: ServiceDeps): ObjectMethods {
  return {
    async putObject(requests, ctx) {
      const { header, rest } = await readHeader<minio.PutObjectMetadata>(requests);
      const caller = callerOf(ctx.identity, header.userId);
      validateObjectKey(header.objectKey);
      const contentType = normalizeContentType(header.contentType);
      validateMetadata(header.metadata);
      const length = nonNegativeField(header.contentLength, "content_length");
      const { loc } = await resolveBucket(backend, caller, header.bucketName, "write");
      const expected = length > 0 ? length : undefined;
      const stored = await backend.putObject(
        loc,
        header.objectKey,
        bodyOf(rest, expected, ctx.signal, "content_length"),
        {
          contentType,
          metadata: header.metadata,
          ownerId: caller.userId,
        },
      );
      return {
        success: true,
        objectKey: stored.key,
        etag: stored.etag,
        versionId: "",
        size: BigInt(stored.size),
        error: "",
      };
    },

    async *getObject(req, ctx) {
      const caller = callerOf(ctx.identity, req.userId);
      validateObjectKey(req.objectKey);
      noVersions(req.versionId);
      const offset = nonNegativeField(req.offset, "offset");
      const length = nonNegativeField(req.length, "length");
      const { loc } = await resolveBucket(backend, caller, req.bucketName, "read");
      // Read into place (field 2 is chunk_data), a chunk is sent without a copy, and its
      // encoding tells how many chunks wait in grpc-js's send queue. grpc-js copies each
      // message into a framed buffer of its own right after encoding it (serializeMessage),
      // so an encoded room is free again: the next reads reuse it. Fresh 1 MiB buffers per
      // chunk were half the download's external memory churn, and that churn is what sets
      // off V8's full collections ("external memory pressure") every few MiB.
      const rooms = new WeakSet<Uint8Array>();
      const spare: Uint8Array[] = [];
      let encoded = 0;
      let wake: (() => void) | undefined;
      const chunking: ReadChunking = {
        chunkBytes,
        alloc: (size) => {
          const reused = size === chunkBytes ? spare.pop() : undefined;
          if (reused) return reused;
          const room = allocBytesField(2, size, () => {
            encoded++;
            if (size === chunkBytes) spare.push(room);
            wake?.();
          });
          rooms.add(room);
          return room;
        },
      };
      const found = await backend.getObject(loc, req.objectKey, { offset, length }, chunking);
      if (!found) throw notFound(req.bucketName, req.objectKey);
      const { info, body } = found;
      try {
        yield { payload: { $case: "metadata", value: objectInfo(info) } };
        let queued = 0;
        for await (const chunk of rechunk(
          body,
          Math.min(MIN_MESSAGE_BYTES, chunkBytes),
          chunkBytes,
        )) {
          if (rooms.has(chunk)) {
            while (queued - encoded >= MAX_QUEUED_CHUNKS && !ctx.signal.aborted) {
              await new Promise<void>((resolve) => {
                const done = () => {
                  wake = undefined;
                  ctx.signal.removeEventListener("abort", done);
                  resolve();
                };
                wake = done;
                ctx.signal.addEventListener("abort", done);
              });
            }
            if (ctx.signal.aborted) return;
            queued++;
          }
          yield { payload: { $case: "chunkData", value: chunk } };
        }
      } finally {
        body.destroy();
      }
    },

    async deleteObject(req, ctx) {
      const caller = callerOf(ctx.identity, req.userId);
      validateObjectKey(req.objectKey);
      noVersions(req.versionId);
      const { loc } = await resolveBucket(backend, caller, req.bucketName, "write");
      await backend.deleteObject(loc, req.objectKey);
      return {
        success: true,
        message: `object ${JSON.stringify(req.objectKey)} deleted`,
        error: "",
      };
    },

    async deleteObjects(req, ctx) {
      const caller = callerOf(ctx.identity, req.userId);
      if (req.objectKeys.length === 0)
        throw invalidArgument("object_keys is empty; list the keys to delete");
      if (req.objectKeys.length > MAX_DELETE_KEYS) {
        throw invalidArgument(
          `${req.objectKeys.length} keys given; at most ${MAX_DELETE_KEYS} per call, as in S3`,
        );
      }
      const { loc } = await resolveBucket(backend, caller, req.bucketName, "write");
      const deletedKeys: string[] = [];
      const errors: minio.DeleteError[] = [];
      for (const key of req.objectKeys) {
        try {
          validateObjectKey(key);
          await backend.deleteObject(loc, key);
          if (!req.quiet) deletedKeys.push(key);
        } catch (err) {
          if (!(err instanceof ServerError)) throw err;
          errors.push({ key, errorCode: Status[err.code] ?? "UNKNOWN", errorMessage: err.details });
        }
      }
      return { success: errors.length === 0, deletedKeys, errors, error: "" };
    },

    async listObjects(req, ctx) {
      const caller = callerOf(ctx.identity, req.userId);
      if (Buffer.byteLength(req.prefix, "utf8") > MAX_KEY_BYTES) {
        throw invalidArgument(
          `prefix takes more than ${MAX_KEY_BYTES} bytes; no key could match it`,
        );
      }
      if (req.maxKeys < 0)
        throw invalidArgument(`max_keys is ${req.maxKeys}; use 1-1000, or 0 for 1000`);
      const limit = req.maxKeys === 0 ? MAX_LIST_KEYS : Math.min(req.maxKeys, MAX_LIST_KEYS);
      const start: ListPosition = req.continuationToken
        ? decodeListToken(req.continuationToken)
        : { after: req.startAfter, isPrefix: false };
      const { loc } = await resolveBucket(backend, caller, req.bucketName, "read");
      const page = await backend.listObjects(loc, {
        prefix: req.prefix,
        delimiter: req.recursive ? "" : req.delimiter,
        startAfter: start.after,
        startAfterIsPrefix: start.isPrefix,
        limit,
      });
      const objects: minio.ObjectInfo[] = [];
      const commonPrefixes: string[] = [];
      for (const entry of page.entries) {
        if (entry.kind === "object") objects.push(listedInfo(entry.object));
        else commonPrefixes.push(entry.prefix);
      }
      const last = page.entries.at(-1);
      return {
        success: true,
        objects,
        commonPrefixes,
        isTruncated: page.truncated,
        nextContinuationToken: page.truncated && last ? encodeListToken(positionAfter(last)) : "",
        error: "",
      };
    },

    async copyObject(req, ctx) {
      const caller = callerOf(ctx.identity, req.userId);
      validateObjectKey(req.sourceKey, "source_key");
      validateObjectKey(req.destKey, "dest_key");
      const replace = copyDirective(req.metadataDirective);
      if (replace) validateMetadata(req.metadata);
      const sourceRef = parseBucketRef(req.sourceBucket);
      const destRef = parseBucketRef(req.destBucket);
      const src = await resolveBucket(backend, caller, sourceRef, "read");
      const dst = await resolveBucket(backend, caller, destRef, "write");
      if (
        !replace &&
        req.sourceKey === req.destKey &&
        src.loc.bucket === dst.loc.bucket &&
        sameTenant(src.loc.tenant, dst.loc.tenant)
      ) {
        throw invalidArgument(
          "copying an object onto itself changes nothing; use metadata_directive REPLACE to change its metadata",
        );
      }
      const stored = await backend.copyObject(src.loc, req.sourceKey, dst.loc, req.destKey, {
        replaceMetadata: replace,
        metadata: req.metadata,
        ownerId: caller.userId,
      });
      return {
        success: true,
        message: `copied to ${JSON.stringify(req.destKey)}`,
        etag: stored.etag,
        lastModified: objectInfo(stored).lastModified,
        error: "",
      };
    },

    async statObject(req, ctx) {
      const caller = callerOf(ctx.identity, req.userId);
      validateObjectKey(req.objectKey);
      noVersions(req.versionId);
      const { loc } = await resolveBucket(backend, caller, req.bucketName, "read");
      const stored = await backend.statObject(loc, req.objectKey);
      if (!stored) throw notFound(req.bucketName, req.objectKey);
      return { success: true, objectInfo: objectInfo(stored), error: "" };
    },
  };
}

function notFound(bucket: string, key: string): ServerError {
  return new ServerError(
    Status.NOT_FOUND,
    `object ${JSON.stringify(key)} does not exist in bucket ${JSON.stringify(bucket)}`,
  );
}

function noVersions(versionId: string): void {
  if (versionId !== "" && versionId !== "null") {
    throw invalidArgument("this service keeps no object versions; leave version_id empty");
  }
}

function copyDirective(directive: string): boolean {
  const upper = directive.toUpperCase();
  if (upper === "" || upper === "COPY") return false;
  if (upper === "REPLACE") return true;
  throw invalidArgument(`metadata_directive ${quoted(directive)} is unknown; use COPY or REPLACE`);
}

function positionAfter(entry: ListEntry): ListPosition {
  return entry.kind === "object"
    ? { after: entry.object.key, isPrefix: false }
    : { after: entry.prefix, isPrefix: true };
}
