import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { minio } from "@isa-cloud/proto";
import { toSafeNumber } from "@isa-cloud/rpc/wire";
import { type BodySource, bodySource, type ObjectBody, withProgress } from "./body-source.js";
import { type ClientContext, callOptions } from "./client-context.js";
import { assertSuccess, invalidArgument } from "./errors.js";
import { toInt64 } from "./int64.js";
import { MIN_PART_SIZE } from "./multipart-plan.js";
import { multipartUpload } from "./multipart-upload.js";
import { type OpenedObject, openObject } from "./object-download.js";
import type { GetObjectOptions, ObjectInfo, PutFileOptions, PutObjectOptions } from "./types.js";

const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
const DEFAULT_CONCURRENCY = 4;

/**
 * Uploads an object from bytes, a string, a Node or web stream, an async
 * iterable or `{ path }`, streamed in 1 MiB messages with bounded memory.
 * Nothing becomes visible unless the whole body arrives.
 */
export function putObject(
  ctx: ClientContext,
  bucket: string,
  key: string,
  body: ObjectBody,
  opts?: PutObjectOptions,
): Promise<{ etag: string; size: number }> {
  return put(ctx, bucket, key, body, opts, "");
}

/** The object (or the range asked for) in one Buffer. */
export async function getObject(
  ctx: ClientContext,
  bucket: string,
  key: string,
  opts?: GetObjectOptions,
): Promise<Buffer> {
  const { chunks } = await open(ctx, bucket, key, opts, "");
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

/**
 * The object's info, and its content as a Readable (also an async iterable).
 * Read it to the end or destroy it: the call stays open until then.
 */
export async function getObjectStream(
  ctx: ClientContext,
  bucket: string,
  key: string,
  opts?: GetObjectOptions,
): Promise<{ info: ObjectInfo; stream: Readable }> {
  const { info, chunks, close } = await open(ctx, bucket, key, opts, "");
  const stream = Readable.from(chunks, { objectMode: false });
  // Destroyed before the first read, the generator never ran: cancel the call here.
  stream.once("close", () => void close());
  return { info, stream };
}

/**
 * Downloads into a file, through a temporary file beside it that is renamed
 * into place at the end: a failed or aborted download leaves `path` as it was.
 */
export async function downloadToFile(
  ctx: ClientContext,
  bucket: string,
  key: string,
  path: string,
  opts?: GetObjectOptions,
): Promise<ObjectInfo> {
  const { info, chunks, close } = await open(ctx, bucket, key, opts, "");
  const temporary = join(dirname(path), `.${basename(path)}.${randomUUID()}.download`);
  try {
    await pipeline(Readable.from(chunks, { objectMode: false }), createWriteStream(temporary));
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  } finally {
    await close();
  }
  return info;
}

/**
 * Uploads a file: in one putObject up to `partSize`, above it as a multipart
 * upload with `concurrency` parts in flight. A failed or aborted multipart
 * upload is aborted on the service, leaving nothing behind.
 */
export async function putFile(
  ctx: ClientContext,
  bucket: string,
  key: string,
  path: string,
  opts?: PutFileOptions,
): Promise<{ etag: string; size: number }> {
  const partSize = opts?.partSize ?? DEFAULT_PART_SIZE;
  const concurrency = opts?.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isSafeInteger(partSize) || partSize < MIN_PART_SIZE) {
    throw invalidArgument(
      "UploadPart",
      `partSize must be an integer of at least ${MIN_PART_SIZE} bytes (5 MiB), got ${partSize}`,
    );
  }
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    throw invalidArgument("UploadPart", `concurrency must be at least 1, got ${concurrency}`);
  }
  const { size } = await stat(path);
  if (size <= partSize) return putObject(ctx, bucket, key, { path }, opts);
  return multipartUpload(ctx.rpc, {
    bucket,
    key,
    path,
    size,
    partSize,
    concurrency,
    chunkSize: ctx.chunkSize,
    contentType: opts?.contentType ?? "",
    metadata: opts?.metadata ?? {},
    onProgress: opts?.onProgress,
    signal: opts?.signal,
    transferDeadline: opts?.deadline,
  });
}

/**
 * The guide's `upload_file(bucket, key, data, user_id)`. `userId` must be the
 * token's subject (or omitted); failures throw typed errors, so the result is
 * always true.
 */
export async function uploadFile(
  ctx: ClientContext,
  bucket: string,
  key: string,
  data: Buffer | Uint8Array | string,
  userId?: string,
): Promise<boolean> {
  await put(ctx, bucket, key, data, undefined, userId ?? "");
  return true;
}

/** The guide's `download_file(bucket, key, user_id)`. */
export async function downloadFile(
  ctx: ClientContext,
  bucket: string,
  key: string,
  userId?: string,
): Promise<Buffer> {
  const { chunks } = await open(ctx, bucket, key, undefined, userId ?? "");
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

async function put(
  ctx: ClientContext,
  bucket: string,
  key: string,
  body: ObjectBody,
  opts: PutObjectOptions | undefined,
  userId: string,
): Promise<{ etag: string; size: number }> {
  const source: BodySource = await bodySource(body, ctx.chunkSize);
  const total = opts?.contentLength ?? source.size;
  const contentLength = total === undefined ? 0n : toInt64("PutObject", "contentLength", total);
  const onProgress = opts?.onProgress;
  const metadata: minio.PutObjectMetadata = {
    bucketName: bucket,
    objectKey: key,
    userId,
    contentType: opts?.contentType ?? "",
    contentLength,
    metadata: opts?.metadata ?? {},
    storageClass: "",
  };
  async function* requests(): AsyncGenerator<minio.PutObjectRequest> {
    yield { payload: { $case: "metadata", value: metadata } };
    const chunks = withProgress(
      source.chunks,
      onProgress && ((bytes) => onProgress(total === undefined ? { bytes } : { bytes, total })),
    );
    for await (const chunk of chunks) yield { payload: { $case: "chunkData", value: chunk } };
  }
  const response = assertSuccess(
    "PutObject",
    await ctx.rpc.putObject(requests(), callOptions(opts)),
  );
  return { etag: response.etag, size: toSafeNumber(response.size, "size") };
}

function open(
  ctx: ClientContext,
  bucket: string,
  key: string,
  opts: GetObjectOptions | undefined,
  userId: string,
): Promise<OpenedObject> {
  return openObject(
    ctx.rpc,
    {
      bucketName: bucket,
      objectKey: key,
      userId,
      offset: toInt64("GetObject", "offset", opts?.offset ?? 0),
      length: toInt64("GetObject", "length", opts?.length ?? 0),
    },
    callOptions(opts),
    opts?.onProgress,
  );
}
