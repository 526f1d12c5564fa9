import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { minio } from "@isa-cloud/proto";
import { ServiceUnavailableError, toSafeNumber } from "@isa-cloud/rpc/wire";
import { Status } from "nice-grpc-common";
import { type BodySource, bodySource, type ObjectBody, withProgress } from "./body-source.js";
import { type ClientContext, callOptions } from "./client-context.js";
import { assertSuccess, invalidArgument } from "./errors.js";
import { HttpPathUnavailable } from "./http-transfer.js";
import { toInt64 } from "./int64.js";
import { MIN_PART_SIZE } from "./multipart-plan.js";
import { multipartUpload } from "./multipart-upload.js";
import { dataLoss, type OpenedObject, openObject } from "./object-download.js";
import { openOverHttp, putOverHttp } from "./presigned-transfer.js";
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
  return collect(await open(ctx, bucket, key, opts, ""));
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
  const { info, stream: readable, close } = await open(ctx, bucket, key, opts, "");
  const stream = readable();
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
  const { info, stream, close } = await open(ctx, bucket, key, opts, "");
  const temporary = join(dirname(path), `.${basename(path)}.${randomUUID()}.download`);
  try {
    await pipeline(stream(), createWriteStream(temporary));
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
  if (ctx.transfer.httpUpload(size, opts?.metadata)) {
    // One presigned PUT streams faster than parallel gRPC parts; without it, multipart.
    const source = await bodySource({ path }, ctx.chunkSize);
    const sent = await overHttp(ctx, "GetPresignedPutURL", () =>
      putOverHttp(ctx, { bucket, key, userId: "" }, source, size, opts),
    );
    if (sent) return sent;
  }
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
  return collect(await open(ctx, bucket, key, undefined, userId ?? ""));
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
  if (ctx.transfer.httpUpload(total, opts?.metadata)) {
    const sent = await overHttp(ctx, "GetPresignedPutURL", () =>
      putOverHttp(ctx, { bucket, key, userId }, source, total, opts),
    );
    if (sent) return sent;
  }
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

/**
 * The whole download in one Buffer of the announced size, filled as chunks arrive: no
 * list of chunks kept alive to be concatenated (a second copy) at the end.
 */
async function collect({ chunks, total }: OpenedObject): Promise<Buffer> {
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for await (const chunk of chunks) {
    if (at + chunk.byteLength > total) throw dataLoss(at + chunk.byteLength, total);
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/**
 * "auto" opens the gRPC stream, whose first message tells the size; for a large object it
 * then moves to presigned HTTP, keeping the stream as the fallback until HTTP answered
 * (the bytes the service sent ahead meanwhile are bounded by the receive window).
 */
async function open(
  ctx: ClientContext,
  bucket: string,
  key: string,
  opts: GetObjectOptions | undefined,
  userId: string,
): Promise<OpenedObject> {
  const offset = opts?.offset ?? 0;
  const length = opts?.length ?? 0;
  const request = {
    bucketName: bucket,
    objectKey: key,
    userId,
    offset: toInt64("GetObject", "offset", offset),
    length: toInt64("GetObject", "length", length),
  };
  const target = { bucket, key, userId };
  if (ctx.transfer.mode === "http") {
    return orUnavailable("GetPresignedURL", () =>
      openOverHttp(ctx, target, { offset, length }, opts),
    );
  }
  const grpc = await openObject(ctx.rpc, request, callOptions(opts), opts?.onProgress);
  if (!ctx.transfer.httpDownload(grpc.total)) return grpc;
  try {
    const http = await overHttp(ctx, "GetPresignedURL", () =>
      openOverHttp(ctx, target, { offset, length }, opts, grpc.info),
    );
    if (!http) return grpc;
    await grpc.close();
    return http;
  } catch (error) {
    await grpc.close();
    throw error;
  }
}

/**
 * Runs a presigned transfer. When the path is unavailable (no URL, endpoint not there),
 * "auto" gets undefined and takes gRPC (keeping to it for a while if the endpoint was
 * unreachable); "http" gets ServiceUnavailableError.
 */
async function overHttp<T>(
  ctx: ClientContext,
  presignMethod: string,
  transfer: () => Promise<T>,
): Promise<T | undefined> {
  if (ctx.transfer.mode === "http") return orUnavailable(presignMethod, transfer);
  try {
    return await transfer();
  } catch (error) {
    if (!(error instanceof HttpPathUnavailable)) throw error;
    ctx.transfer.markUnreachable();
    return undefined;
  }
}

async function orUnavailable<T>(presignMethod: string, transfer: () => Promise<T>): Promise<T> {
  try {
    return await transfer();
  } catch (error) {
    if (!(error instanceof HttpPathUnavailable)) throw error;
    const unavailable = new ServiceUnavailableError(
      `/isa.minio.MinIOService/${presignMethod}`,
      Status.UNAVAILABLE,
      error.message,
      'transfer is "http"; "auto" would have taken the gRPC stream',
    );
    unavailable.cause = error;
    throw unavailable;
  }
}
