import { Readable } from "node:stream";
import { AbortedError, IsaError } from "@isa-cloud/rpc/wire";
import { Status } from "nice-grpc-common";
import { type BodySource, withProgress } from "./body-source.js";
import { type ClientContext, callOptions } from "./client-context.js";
import { invalidArgument } from "./errors.js";
import { HttpPathUnavailable, httpGet, httpPut } from "./http-transfer.js";
import { type OpenedObject, rangeTotal } from "./object-download.js";
import { statObject } from "./objects.js";
import { presignedGetUrl, presignedPutUrl } from "./presign.js";
import type { GetObjectOptions, ObjectInfo, PutObjectOptions } from "./types.js";

/**
 * The fast path for large objects (issue #18): grpc-js reassembling 1 MiB messages is
 * the ceiling of the gRPC stream, so the bytes go over a presigned HTTP URL the service
 * hands out over gRPC, and only they do: access, names and errors stay the service's.
 * A URL lives long enough to start the request; the endpoint checks it at the start.
 */
const URL_LIFETIME_SECONDS = 300;

export interface ObjectTarget {
  bucket: string;
  key: string;
  /** The guide's `user_id`; "" for the token's subject. */
  userId: string;
}

/**
 * Uploads `source` with one presigned PUT. Throws HttpPathUnavailable, having read
 * nothing of `source`, when the service hands out no URL or its endpoint is not there.
 */
export async function putOverHttp(
  ctx: ClientContext,
  target: ObjectTarget,
  source: BodySource,
  total: number | undefined,
  opts: PutObjectOptions | undefined,
): Promise<{ etag: string; size: number }> {
  const contentType = opts?.contentType || undefined;
  const url = await presigned(() =>
    presignedPutUrl(
      ctx,
      target.bucket,
      target.key,
      {
        ...callOptions(opts),
        expirySeconds: URL_LIFETIME_SECONDS,
        ...(contentType ? { contentType } : {}),
      },
      target.userId,
    ),
  );
  let size = 0;
  const onProgress = opts?.onProgress;
  const body = withProgress(exactLength(source.chunks, total), (bytes) => {
    size = bytes;
    onProgress?.(total === undefined ? { bytes } : { bytes, total });
  });
  const etag = await httpPut(await ctx.transfer.agent(), url, body, total, contentType, {
    method: "PutObject",
    signal: opts?.signal,
    deadline: opts?.deadline,
  });
  return { etag, size };
}

/**
 * Opens a download over a presigned GET. `info` comes from the gRPC stream "auto" opened
 * first; without it (transfer "http") it is fetched alongside the URL. Throws
 * HttpPathUnavailable when the service hands out no URL or its endpoint is not there.
 */
export async function openOverHttp(
  ctx: ClientContext,
  target: ObjectTarget,
  range: { offset: number; length: number },
  opts: GetObjectOptions | undefined,
  known?: ObjectInfo,
): Promise<OpenedObject> {
  const presign = presigned(() =>
    presignedGetUrl(
      ctx,
      target.bucket,
      target.key,
      { ...callOptions(opts), expirySeconds: URL_LIFETIME_SECONDS },
      target.userId,
    ),
  );
  const [info, url] = await Promise.all([
    known ?? statObject(ctx, target.bucket, target.key, opts, target.userId),
    presign,
  ]);
  const total = rangeTotal(info.size, range.offset, range.length);
  if (total === 0) {
    // Nothing to read (an empty object, or a range past its end, as gRPC answers it).
    const empty = () => Readable.from([], { objectMode: false });
    return { info, total, chunks: empty(), stream: empty, close: async () => {} };
  }
  const got = await httpGet(
    await ctx.transfer.agent(),
    url,
    { offset: range.offset, length: total },
    total,
    opts?.onProgress,
    { method: "GetObject", signal: opts?.signal, deadline: opts?.deadline },
  );
  if (got.etag && got.etag !== info.etag) {
    got.body.destroy();
    throw new AbortedError(
      "/isa.minio.MinIOService/GetObject",
      Status.ABORTED,
      "the object was replaced while its download started",
    );
  }
  return {
    info,
    total,
    chunks: got.body,
    stream: () => got.body,
    close: async () => {
      got.body.destroy();
    },
  };
}

/** The URL, or HttpPathUnavailable when the service has none to give. */
async function presigned(ask: () => Promise<{ url: string }>): Promise<string> {
  try {
    const { url } = await ask();
    if (!url) throw new HttpPathUnavailable("the service handed out an empty presigned URL");
    return url;
  } catch (error) {
    // An isA service without presigned URLs, or a proxy that passes only some methods.
    if (error instanceof IsaError && error.code === Status.UNIMPLEMENTED) {
      throw new HttpPathUnavailable("the service does not hand out presigned URLs", {
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * The body, refused with InvalidArgumentError (as the service refuses it over gRPC) once it
 * turns out longer or shorter than `total`; the failure cuts the upload, keeping nothing.
 */
async function* exactLength(
  chunks: AsyncIterable<Uint8Array>,
  total: number | undefined,
): AsyncGenerator<Uint8Array, void, undefined> {
  let bytes = 0;
  for await (const chunk of chunks) {
    bytes += chunk.byteLength;
    if (total !== undefined && bytes > total) break;
    yield chunk;
  }
  if (total !== undefined && bytes !== total) {
    throw invalidArgument(
      "PutObject",
      `the body is ${bytes > total ? "longer" : "shorter"} than its contentLength of ${total} bytes`,
    );
  }
}
