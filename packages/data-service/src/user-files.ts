import type { Readable } from "node:stream";
import { NotFoundError } from "@isa-cloud/rpc/wire";
import { as, type CallerContext, ensureBucket, put } from "./caller-context.js";
import { contentTypeFor } from "./formats.js";
import { validateObjectKey } from "./names.js";
import type { FileInfo, StoredFile, StoreOptions, UserData } from "./service-types.js";

/** Stores a file (bytes or a stream, never buffered whole) in the user's bucket. */
export async function storeUserData(
  ctx: CallerContext,
  userId: string,
  fileName: string,
  data: UserData,
  options: StoreOptions = {},
): Promise<StoredFile> {
  const key = validateObjectKey(fileName);
  const caller = as(ctx, userId);
  await ensureBucket(ctx, caller);
  const result = await put(ctx, caller, key, data, {
    ...options,
    contentType: options.contentType ?? contentTypeFor(key),
  });
  return { key, size: result.size, etag: result.etag };
}

/**
 * The user's files, in key order, at most `limit` entries (default and maximum 1,000).
 * With a `delimiter`, keys that share a prefix up to it are rolled up into `prefixes`
 * (S3's common prefixes), which count towards `limit` like files.
 */
export async function listUserFiles(
  ctx: CallerContext,
  userId: string,
  options: { prefix?: string; startAfter?: string; limit?: number; delimiter?: string } = {},
): Promise<{ files: FileInfo[]; prefixes: string[]; truncated: boolean }> {
  const limit = Math.min(options.limit ?? 1000, 1000);
  const caller = as(ctx, userId);
  const files: FileInfo[] = [];
  const prefixes: string[] = [];
  let truncated = false;
  try {
    const listing = caller.minio.listObjects(ctx.bucket, {
      recursive: !options.delimiter,
      pageSize: Math.min(limit + 1, 1000),
      ...(options.delimiter ? { delimiter: options.delimiter } : {}),
      ...(options.prefix ? { prefix: options.prefix } : {}),
      ...(options.startAfter ? { startAfter: options.startAfter } : {}),
    });
    for await (const entry of listing) {
      if (files.length + prefixes.length === limit) {
        truncated = true;
        break;
      }
      if (!("key" in entry)) {
        prefixes.push(entry.prefix);
        continue;
      }
      files.push({
        key: entry.key,
        size: entry.size,
        etag: entry.etag,
        contentType: entry.contentType,
        lastModified: entry.lastModified,
      });
    }
  } catch (err) {
    // No bucket yet: the user simply has no files.
    if (err instanceof NotFoundError) {
      ctx.shared.knownBuckets.delete(userId);
      return { files: [], prefixes: [], truncated: false };
    }
    throw err;
  }
  return { files, prefixes, truncated };
}

/**
 * A stored file's info and a stream of its bytes, or of `length` bytes from `offset`
 * (a range read: `info.size` stays the whole file's size).
 */
export async function openUserFile(
  ctx: CallerContext,
  userId: string,
  fileName: string,
  options: { signal?: AbortSignal; offset?: number; length?: number } = {},
): Promise<{ info: FileInfo; stream: Readable }> {
  const key = validateObjectKey(fileName);
  const caller = as(ctx, userId);
  const { info, stream } = await caller.minio.getObjectStream(ctx.bucket, key, options);
  return { info: fileInfo(info), stream };
}

/** A stored file's info (size, etag, content type, last modified) without its bytes. */
export async function statUserFile(
  ctx: CallerContext,
  userId: string,
  fileName: string,
): Promise<FileInfo> {
  const key = validateObjectKey(fileName);
  const caller = as(ctx, userId);
  return fileInfo(await caller.minio.statObject(ctx.bucket, key));
}

/** Deletes a stored file; NotFoundError when there is none. */
export async function deleteUserFile(
  ctx: CallerContext,
  userId: string,
  fileName: string,
): Promise<void> {
  const key = validateObjectKey(fileName);
  const caller = as(ctx, userId);
  // statObject first: deleting a missing key is silently fine in S3, but a caller
  // deleting a file that is not there has the wrong name and should hear so.
  await caller.minio.statObject(ctx.bucket, key);
  await caller.minio.deleteObject(ctx.bucket, key);
}

function fileInfo(info: FileInfo): FileInfo {
  return {
    key: info.key,
    size: info.size,
    etag: info.etag,
    contentType: info.contentType,
    lastModified: info.lastModified,
  };
}
