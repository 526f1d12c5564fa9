import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { minio } from "@isa-cloud/proto";
import { createIsaClient } from "@isa-cloud/rpc/client";
import { NotFoundError, toSafeNumber } from "@isa-cloud/rpc/wire";
import { type BodySource, bodySource, type ObjectBody, withProgress } from "./body-source.js";
import { fromBucketPolicy, toBucketInfo, toDate, toObjectInfo, toPolicyName } from "./convert.js";
import { assertSuccess, invalidArgument } from "./errors.js";
import { FastMinIOServiceDefinition } from "./fast-definition.js";
import { toInt64 } from "./int64.js";
import { MIN_PART_SIZE } from "./multipart-plan.js";
import { multipartUpload } from "./multipart-upload.js";
import { type OpenedObject, openObject } from "./object-download.js";
import { paginate } from "./paginate.js";
import { chunkSizeFor, type MinioRpc } from "./rpc-types.js";
import type {
  BucketInfo,
  BucketPolicy,
  CallOptions,
  CannedPolicy,
  CommonPrefix,
  CopyObjectOptions,
  CreateBucketOptions,
  DeleteBucketOptions,
  DeleteObjectsResult,
  GetObjectOptions,
  ListBucketsOptions,
  ListObjectsOptions,
  MinioClientOptions,
  ObjectInfo,
  PresignedUrl,
  PresignOptions,
  PresignPutOptions,
  PutFileOptions,
  PutObjectOptions,
} from "./types.js";

const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
/**
 * HTTP/2 receive window of the client's connections (see MinioClientOptions): with
 * grpc-js's 64 KiB, downloads waited on window updates and ran at about half the speed.
 */
const DEFAULT_FLOW_CONTROL_WINDOW = 4 * 1024 * 1024;
const DEFAULT_CONCURRENCY = 4;
// S3's DeleteObjects limit; larger key lists are sent in batches of this size.
const DELETE_BATCH = 1000;

/**
 * Only what the caller set: an absent deadline leaves @isa-cloud/rpc's default,
 * which is `defaultDeadlineMs` for unary calls and none for streams (the object
 * transfers), whose length grows with the object.
 */
function callOptions(opts: CallOptions | undefined): CallOptions {
  return {
    ...(opts?.signal ? { signal: opts.signal } : {}),
    ...(opts?.deadline !== undefined ? { deadline: opts.deadline } : {}),
  };
}

/**
 * Typed async client of isa.minio.MinIOService. One instance holds the channel
 * pool: create it once, share it, `close()` it at shutdown. `withToken(token)` gives a
 * view that acts for one caller over the same connections.
 */
export class MinioClient {
  readonly #rpc: MinioRpc;
  readonly #chunkSize: number;
  readonly #options: MinioClientOptions;

  constructor(options: MinioClientOptions);
  /** @internal the view `withToken` makes: another client's connections, another token. */
  constructor(options: MinioClientOptions, bound: MinioRpc);
  constructor(options: MinioClientOptions, bound?: MinioRpc) {
    this.#rpc =
      bound ??
      createIsaClient(FastMinIOServiceDefinition, {
        ...options,
        channelOptions: {
          "grpc-node.flow_control_window": DEFAULT_FLOW_CONTROL_WINDOW,
          ...options.channelOptions,
        },
      });
    this.#options = options;
    this.#chunkSize = chunkSizeFor(options.maxMessageBytes);
  }

  /**
   * This client acting for the caller whose bearer token is `token`: every call sends it
   * (over the `token` option). Shares this client's connections; closing it does nothing.
   * @example const asCaller = storage.withToken(identity.token);
   */
  withToken(token: string): MinioClient {
    return new MinioClient(this.#options, this.#rpc.forToken(token));
  }

  // ---- buckets ----

  /** Creates a bucket owned by the caller, or by `organizationId`. */
  async createBucket(name: string, opts?: CreateBucketOptions): Promise<BucketInfo> {
    const response = await this.#rpc.createBucket(
      {
        bucketName: name,
        organizationId: opts?.organizationId ?? "",
        region: opts?.region ?? "",
        tags: opts?.tags ?? {},
      },
      callOptions(opts),
    );
    return toBucketInfo(assertSuccess("CreateBucket", response).bucketInfo);
  }

  /** The caller's buckets, or an organization's. */
  async listBuckets(opts?: ListBucketsOptions): Promise<BucketInfo[]> {
    const response = await this.#rpc.listBuckets(
      { prefix: opts?.prefix ?? "", organizationId: opts?.organizationId ?? "" },
      callOptions(opts),
    );
    return assertSuccess("ListBuckets", response).buckets.map(toBucketInfo);
  }

  /** True when the caller can see a bucket of this name. */
  async bucketExists(name: string, opts?: CallOptions): Promise<boolean> {
    try {
      await this.getBucketInfo(name, opts);
      return true;
    } catch (error) {
      if (error instanceof NotFoundError) return false;
      throw error;
    }
  }

  /** A bucket's info, with its size and object count. */
  async getBucketInfo(name: string, opts?: CallOptions): Promise<BucketInfo> {
    const response = await this.#rpc.getBucketInfo({ bucketName: name }, callOptions(opts));
    return toBucketInfo(assertSuccess("GetBucketInfo", response).bucketInfo);
  }

  /** Deletes a bucket; a non-empty one only with `force`. */
  async deleteBucket(
    name: string,
    opts?: DeleteBucketOptions,
  ): Promise<{ deletedObjects: number }> {
    const response = await this.#rpc.deleteBucket(
      { bucketName: name, force: opts?.force ?? false },
      callOptions(opts),
    );
    return { deletedObjects: assertSuccess("DeleteBucket", response).deletedObjects };
  }

  /** Sets a canned policy, or `{ custom: json }` for an S3-style policy document. */
  async setBucketPolicy(name: string, policy: BucketPolicy, opts?: CallOptions): Promise<void> {
    let wire: ReturnType<typeof fromBucketPolicy>;
    try {
      wire = fromBucketPolicy(policy);
    } catch (error) {
      throw invalidArgument("SetBucketPolicy", (error as Error).message);
    }
    const response = await this.#rpc.setBucketPolicy(
      { bucketName: name, ...wire },
      callOptions(opts),
    );
    assertSuccess("SetBucketPolicy", response);
  }

  /** The bucket's policy name and the policy rendered as JSON. */
  async getBucketPolicy(
    name: string,
    opts?: CallOptions,
  ): Promise<{ policy: CannedPolicy | "custom"; json: string }> {
    const response = assertSuccess(
      "GetBucketPolicy",
      await this.#rpc.getBucketPolicy({ bucketName: name }, callOptions(opts)),
    );
    return { policy: toPolicyName(response.policyType), json: response.policyJson };
  }

  // ---- objects ----

  /**
   * Uploads an object from bytes, a string, a Node or web stream, an async
   * iterable or `{ path }`, streamed in 1 MiB messages with bounded memory.
   * Nothing becomes visible unless the whole body arrives.
   */
  putObject(
    bucket: string,
    key: string,
    body: ObjectBody,
    opts?: PutObjectOptions,
  ): Promise<{ etag: string; size: number }> {
    return this.#put(bucket, key, body, opts, "");
  }

  /** The object (or the range asked for) in one Buffer. */
  async getObject(bucket: string, key: string, opts?: GetObjectOptions): Promise<Buffer> {
    const { chunks } = await this.#open(bucket, key, opts, "");
    const parts: Uint8Array[] = [];
    for await (const chunk of chunks) parts.push(chunk);
    return Buffer.concat(parts);
  }

  /**
   * The object's info, and its content as a Readable (also an async iterable).
   * Read it to the end or destroy it: the call stays open until then.
   */
  async getObjectStream(
    bucket: string,
    key: string,
    opts?: GetObjectOptions,
  ): Promise<{ info: ObjectInfo; stream: Readable }> {
    const { info, chunks, close } = await this.#open(bucket, key, opts, "");
    const stream = Readable.from(chunks, { objectMode: false });
    // Destroyed before the first read, the generator never ran: cancel the call here.
    stream.once("close", () => void close());
    return { info, stream };
  }

  /**
   * Downloads into a file, through a temporary file beside it that is renamed
   * into place at the end: a failed or aborted download leaves `path` as it was.
   */
  async downloadToFile(
    bucket: string,
    key: string,
    path: string,
    opts?: GetObjectOptions,
  ): Promise<ObjectInfo> {
    const { info, chunks, close } = await this.#open(bucket, key, opts, "");
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

  /** An object's info without its content. */
  async statObject(bucket: string, key: string, opts?: CallOptions): Promise<ObjectInfo> {
    const response = await this.#rpc.statObject(
      { bucketName: bucket, objectKey: key },
      callOptions(opts),
    );
    return toObjectInfo(assertSuccess("StatObject", response).objectInfo);
  }

  /**
   * Every object (and, with a delimiter, every common prefix as `{ prefix }`),
   * in key order, fetching pages as the loop goes. Break out to stop early.
   */
  listObjects(bucket: string, opts?: ListObjectsOptions): AsyncIterable<ObjectInfo | CommonPrefix> {
    const rpc = this.#rpc;
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
  async copyObject(
    source: { bucket: string; key: string },
    dest: { bucket: string; key: string },
    opts?: CopyObjectOptions,
  ): Promise<{ etag: string; lastModified: Date }> {
    const replace = opts?.replaceMetadata ?? opts?.metadata !== undefined;
    const response = assertSuccess(
      "CopyObject",
      await this.#rpc.copyObject(
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
  async deleteObject(bucket: string, key: string, opts?: CallOptions): Promise<void> {
    const response = await this.#rpc.deleteObject(
      { bucketName: bucket, objectKey: key },
      callOptions(opts),
    );
    assertSuccess("DeleteObject", response);
  }

  /**
   * Deletes many objects (in requests of 1,000 keys), reporting per key what
   * could not be deleted instead of throwing.
   */
  async deleteObjects(
    bucket: string,
    keys: readonly string[],
    opts?: CallOptions,
  ): Promise<DeleteObjectsResult> {
    const result: DeleteObjectsResult = { deleted: [], errors: [] };
    for (let at = 0; at < keys.length; at += DELETE_BATCH) {
      const response = await this.#rpc.deleteObjects(
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

  /** A URL that downloads the object over plain HTTP until it expires. */
  async presignedGetUrl(bucket: string, key: string, opts?: PresignOptions): Promise<PresignedUrl> {
    const response = assertSuccess(
      "GetPresignedURL",
      await this.#rpc.getPresignedURL(
        { bucketName: bucket, objectKey: key, expirySeconds: opts?.expirySeconds ?? 0 },
        callOptions(opts),
      ),
    );
    return { url: response.url, expiresAt: toDate(response.expiresAt) };
  }

  /** A URL that uploads the object with a plain HTTP PUT until it expires. */
  async presignedPutUrl(
    bucket: string,
    key: string,
    opts?: PresignPutOptions,
  ): Promise<PresignedUrl> {
    const response = assertSuccess(
      "GetPresignedPutURL",
      await this.#rpc.getPresignedPutURL(
        {
          bucketName: bucket,
          objectKey: key,
          expirySeconds: opts?.expirySeconds ?? 0,
          contentType: opts?.contentType ?? "",
        },
        callOptions(opts),
      ),
    );
    return { url: response.url, expiresAt: toDate(response.expiresAt) };
  }

  /**
   * Uploads a file: in one putObject up to `partSize`, above it as a multipart
   * upload with `concurrency` parts in flight. A failed or aborted multipart
   * upload is aborted on the service, leaving nothing behind.
   */
  async putFile(
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
    if (size <= partSize) return this.putObject(bucket, key, { path }, opts);
    return multipartUpload(this.#rpc, {
      bucket,
      key,
      path,
      size,
      partSize,
      concurrency,
      chunkSize: this.#chunkSize,
      contentType: opts?.contentType ?? "",
      metadata: opts?.metadata ?? {},
      onProgress: opts?.onProgress,
      signal: opts?.signal,
      transferDeadline: opts?.deadline,
    });
  }

  // ---- the integration guide's operations ----

  /**
   * The guide's `upload_file(bucket, key, data, user_id)`. `userId` must be the
   * token's subject (or omitted); failures throw typed errors, so the result is
   * always true.
   */
  async uploadFile(
    bucket: string,
    key: string,
    data: Buffer | Uint8Array | string,
    userId?: string,
  ): Promise<boolean> {
    await this.#put(bucket, key, data, undefined, userId ?? "");
    return true;
  }

  /** The guide's `download_file(bucket, key, user_id)`. */
  async downloadFile(bucket: string, key: string, userId?: string): Promise<Buffer> {
    const { chunks } = await this.#open(bucket, key, undefined, userId ?? "");
    const parts: Uint8Array[] = [];
    for await (const chunk of chunks) parts.push(chunk);
    return Buffer.concat(parts);
  }

  /** Closes every channel of the pool; calls in flight fail. */
  close(): void {
    this.#rpc.close();
  }

  async #put(
    bucket: string,
    key: string,
    body: ObjectBody,
    opts: PutObjectOptions | undefined,
    userId: string,
  ): Promise<{ etag: string; size: number }> {
    const source: BodySource = await bodySource(body, this.#chunkSize);
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
      await this.#rpc.putObject(requests(), callOptions(opts)),
    );
    return { etag: response.etag, size: toSafeNumber(response.size, "size") };
  }

  #open(
    bucket: string,
    key: string,
    opts: GetObjectOptions | undefined,
    userId: string,
  ): Promise<OpenedObject> {
    return openObject(
      this.#rpc,
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
}

function nameOf(entry: ObjectInfo | CommonPrefix): string {
  return "prefix" in entry ? entry.prefix : entry.key;
}

/** Same as `new MinioClient(options)`. */
export function createMinioClient(options: MinioClientOptions): MinioClient {
  return new MinioClient(options);
}
