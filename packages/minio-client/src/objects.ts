import { type ClientContext, callOptions } from "./client-context.js";
import { toDate, toObjectInfo } from "./convert.js";
import { assertSuccess, invalidArgument } from "./errors.js";
import { paginate } from "./paginate.js";
import type {
  CallOptions,
  CommonPrefix,
  CopyObjectOptions,
  DeleteObjectsResult,
  ListObjectsOptions,
  ObjectInfo,
} from "./types.js";

// S3's DeleteObjects limit; larger key lists are sent in batches of this size.
const DELETE_BATCH = 1000;

/** An object's info without its content. */
export async function statObject(
  ctx: ClientContext,
  bucket: string,
  key: string,
  opts?: CallOptions,
  userId = "",
): Promise<ObjectInfo> {
  const response = await ctx.rpc.statObject(
    { bucketName: bucket, objectKey: key, userId },
    callOptions(opts),
  );
  return toObjectInfo(assertSuccess("StatObject", response).objectInfo);
}

/**
 * Every object (and, with a delimiter, every common prefix as `{ prefix }`),
 * in key order, fetching pages as the loop goes. Break out to stop early.
 */
export function listObjects(
  ctx: ClientContext,
  bucket: string,
  opts?: ListObjectsOptions,
): AsyncIterable<ObjectInfo | CommonPrefix> {
  const rpc = ctx.rpc;
  const maxKeys = opts?.pageSize ?? 0;
  return paginate<ObjectInfo | CommonPrefix>(async (token) => {
    if (!Number.isSafeInteger(maxKeys) || maxKeys < 0 || maxKeys > 1000) {
      throw invalidArgument("ListObjects", `pageSize must be 1 to 1000, got ${maxKeys}`);
    }
    const response = assertSuccess(
      "ListObjects",
      await rpc.listObjects(
        {
          bucketName: bucket,
          prefix: opts?.prefix ?? "",
          delimiter: opts?.delimiter ?? "",
          recursive: opts?.recursive ?? false,
          startAfter: opts?.startAfter ?? "",
          maxKeys,
          continuationToken: token ?? "",
        },
        callOptions(opts),
      ),
    );
    // Objects and prefixes come in two lists; merged in S3's order, by UTF-8 bytes
    // (string comparison, by UTF-16 units, differs on astral characters).
    const entries = [
      ...response.objects.map(toObjectInfo),
      ...response.commonPrefixes.map((prefix) => ({ prefix })),
    ].map((entry) => ({ entry, sortKey: Buffer.from(nameOf(entry)) }));
    entries.sort((a, b) => Buffer.compare(a.sortKey, b.sortKey));
    return {
      items: entries.map((e) => e.entry),
      nextToken: response.isTruncated ? response.nextContinuationToken : "",
    };
  });
}

/** Copies an object, keeping its metadata unless `metadata` replaces it. */
export async function copyObject(
  ctx: ClientContext,
  source: { bucket: string; key: string },
  dest: { bucket: string; key: string },
  opts?: CopyObjectOptions,
): Promise<{ etag: string; lastModified: Date }> {
  const replace = opts?.replaceMetadata ?? opts?.metadata !== undefined;
  const response = assertSuccess(
    "CopyObject",
    await ctx.rpc.copyObject(
      {
        sourceBucket: source.bucket,
        sourceKey: source.key,
        destBucket: dest.bucket,
        destKey: dest.key,
        metadata: opts?.metadata ?? {},
        metadataDirective: replace ? "REPLACE" : "COPY",
      },
      callOptions(opts),
    ),
  );
  return { etag: response.etag, lastModified: toDate(response.lastModified) };
}

/** Deletes an object; a missing key is not an error, as in S3. */
export async function deleteObject(
  ctx: ClientContext,
  bucket: string,
  key: string,
  opts?: CallOptions,
): Promise<void> {
  const response = await ctx.rpc.deleteObject(
    { bucketName: bucket, objectKey: key },
    callOptions(opts),
  );
  assertSuccess("DeleteObject", response);
}

/**
 * Deletes many objects (in requests of 1,000 keys), reporting per key what
 * could not be deleted instead of throwing.
 */
export async function deleteObjects(
  ctx: ClientContext,
  bucket: string,
  keys: readonly string[],
  opts?: CallOptions,
): Promise<DeleteObjectsResult> {
  const result: DeleteObjectsResult = { deleted: [], errors: [] };
  for (let at = 0; at < keys.length; at += DELETE_BATCH) {
    const response = await ctx.rpc.deleteObjects(
      { bucketName: bucket, objectKeys: keys.slice(at, at + DELETE_BATCH) },
      callOptions(opts),
    );
    // success is false when some keys failed: those are reported, not thrown. False
    // with no per-key errors is a failure of the whole request.
    if (response.errors.length === 0) assertSuccess("DeleteObjects", response);
    result.deleted.push(...response.deletedKeys);
    for (const e of response.errors) {
      result.errors.push({ key: e.key, code: e.errorCode, message: e.errorMessage });
    }
  }
  return result;
}

function nameOf(entry: ObjectInfo | CommonPrefix): string {
  return "prefix" in entry ? entry.prefix : entry.key;
}
