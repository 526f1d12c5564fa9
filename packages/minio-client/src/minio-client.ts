import type { Readable } from "node:stream";
import { createIsaClient } from "@isa-cloud/rpc/client";
import type { ObjectBody } from "./body-source.js";
import * as buckets from "./buckets.js";
import type { ClientContext } from "./client-context.js";
import { FastMinIOServiceDefinition } from "./fast-definition.js";
import * as transfer from "./object-transfer.js";
import * as objects from "./objects.js";
import * as presign from "./presign.js";
import { chunkSizeFor, type MinioRpc } from "./rpc-types.js";
import { TransferRoute } from "./transfer-route.js";
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

/**
 * HTTP/2 receive window of the client's connections (see MinioClientOptions): with
 * grpc-js's 64 KiB, downloads waited on window updates and ran at about half the speed.
 */
const DEFAULT_FLOW_CONTROL_WINDOW = 4 * 1024 * 1024;

/**
 * Typed async client of isa.minio.MinIOService. One instance holds the channel
 * pool: create it once, share it, `close()` it at shutdown. `withToken(token)` gives a
 * view that acts for one caller over the same connections.
 *
 * The methods are written in one file per concern (buckets.ts, objects.ts,
 * object-transfer.ts, presign.ts) as functions of the client's context
 * (client-context.ts); this class holds that context and is the public face.
 */
export class MinioClient {
  readonly #ctx: ClientContext;
  readonly #options: MinioClientOptions;
  /** False for a `withToken` view, which shares (and must not close) the HTTP connections. */
  readonly #ownsTransfer: boolean;

  constructor(options: MinioClientOptions);
  /** @internal the view `withToken` makes: another client's connections, another token. */
  constructor(options: MinioClientOptions, bound: { rpc: MinioRpc; transfer: TransferRoute });
  constructor(options: MinioClientOptions, bound?: { rpc: MinioRpc; transfer: TransferRoute }) {
    const { transfer: mode, transferThresholdBytes, ...rpcOptions } = options;
    const transfer = bound?.transfer ?? new TransferRoute(mode, transferThresholdBytes);
    const rpc =
      bound?.rpc ??
      createIsaClient(FastMinIOServiceDefinition, {
        ...rpcOptions,
        channelOptions: {
          "grpc-node.flow_control_window": DEFAULT_FLOW_CONTROL_WINDOW,
          ...options.channelOptions,
        },
      });
    this.#options = options;
    this.#ownsTransfer = bound === undefined;
    this.#ctx = { rpc, chunkSize: chunkSizeFor(options.maxMessageBytes), transfer };
  }

  /**
   * This client acting for the caller whose bearer token is `token`: every call sends it
   * (over the `token` option). Shares this client's connections; closing it does nothing.
   * @example const asCaller = storage.withToken(identity.token);
   */
  withToken(token: string): MinioClient {
    return new MinioClient(this.#options, {
      rpc: this.#ctx.rpc.forToken(token),
      transfer: this.#ctx.transfer,
    });
  }

  // ---- buckets (buckets.ts) ----

  /** Creates a bucket owned by the caller, or by `organizationId`. */
  createBucket(name: string, opts?: CreateBucketOptions): Promise<BucketInfo> {
    return buckets.createBucket(this.#ctx, name, opts);
  }

  /** The caller's buckets, or an organization's. */
  listBuckets(opts?: ListBucketsOptions): Promise<BucketInfo[]> {
    return buckets.listBuckets(this.#ctx, opts);
  }

  /** True when the caller can see a bucket of this name. */
  bucketExists(name: string, opts?: CallOptions): Promise<boolean> {
    return buckets.bucketExists(this.#ctx, name, opts);
  }

  /** A bucket's info, with its size and object count. */
  getBucketInfo(name: string, opts?: CallOptions): Promise<BucketInfo> {
    return buckets.getBucketInfo(this.#ctx, name, opts);
  }

  /** Deletes a bucket; a non-empty one only with `force`. */
  deleteBucket(name: string, opts?: DeleteBucketOptions): Promise<{ deletedObjects: number }> {
    return buckets.deleteBucket(this.#ctx, name, opts);
  }

  /** Sets a canned policy, or `{ custom: json }` for an S3-style policy document. */
  setBucketPolicy(name: string, policy: BucketPolicy, opts?: CallOptions): Promise<void> {
    return buckets.setBucketPolicy(this.#ctx, name, policy, opts);
  }

  /** The bucket's policy name and the policy rendered as JSON. */
  getBucketPolicy(
    name: string,
    opts?: CallOptions,
  ): Promise<{ policy: CannedPolicy | "custom"; json: string }> {
    return buckets.getBucketPolicy(this.#ctx, name, opts);
  }

  // ---- object transfer (object-transfer.ts) ----

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
    return transfer.putObject(this.#ctx, bucket, key, body, opts);
  }

  /** The object (or the range asked for) in one Buffer. */
  getObject(bucket: string, key: string, opts?: GetObjectOptions): Promise<Buffer> {
    return transfer.getObject(this.#ctx, bucket, key, opts);
  }

  /**
   * The object's info, and its content as a Readable (also an async iterable).
   * Read it to the end or destroy it: the call stays open until then.
   */
  getObjectStream(
    bucket: string,
    key: string,
    opts?: GetObjectOptions,
  ): Promise<{ info: ObjectInfo; stream: Readable }> {
    return transfer.getObjectStream(this.#ctx, bucket, key, opts);
  }

  /**
   * Downloads into a file, through a temporary file beside it that is renamed
   * into place at the end: a failed or aborted download leaves `path` as it was.
   */
  downloadToFile(
    bucket: string,
    key: string,
    path: string,
    opts?: GetObjectOptions,
  ): Promise<ObjectInfo> {
    return transfer.downloadToFile(this.#ctx, bucket, key, path, opts);
  }

  /**
   * Uploads a file: in one putObject up to `partSize`, above it as a multipart
   * upload with `concurrency` parts in flight. A failed or aborted multipart
   * upload is aborted on the service, leaving nothing behind.
   */
  putFile(
    bucket: string,
    key: string,
    path: string,
    opts?: PutFileOptions,
  ): Promise<{ etag: string; size: number }> {
    return transfer.putFile(this.#ctx, bucket, key, path, opts);
  }

  // ---- object info, listing, copy, delete (objects.ts) ----

  /** An object's info without its content. */
  statObject(bucket: string, key: string, opts?: CallOptions): Promise<ObjectInfo> {
    return objects.statObject(this.#ctx, bucket, key, opts);
  }

  /**
   * Every object (and, with a delimiter, every common prefix as `{ prefix }`),
   * in key order, fetching pages as the loop goes. Break out to stop early.
   */
  listObjects(bucket: string, opts?: ListObjectsOptions): AsyncIterable<ObjectInfo | CommonPrefix> {
    return objects.listObjects(this.#ctx, bucket, opts);
  }

  /** Copies an object, keeping its metadata unless `metadata` replaces it. */
  copyObject(
    source: { bucket: string; key: string },
    dest: { bucket: string; key: string },
    opts?: CopyObjectOptions,
  ): Promise<{ etag: string; lastModified: Date }> {
    return objects.copyObject(this.#ctx, source, dest, opts);
  }

  /** Deletes an object; a missing key is not an error, as in S3. */
  deleteObject(bucket: string, key: string, opts?: CallOptions): Promise<void> {
    return objects.deleteObject(this.#ctx, bucket, key, opts);
  }

  /**
   * Deletes many objects (in requests of 1,000 keys), reporting per key what
   * could not be deleted instead of throwing.
   */
  deleteObjects(
    bucket: string,
    keys: readonly string[],
    opts?: CallOptions,
  ): Promise<DeleteObjectsResult> {
    return objects.deleteObjects(this.#ctx, bucket, keys, opts);
  }

  // ---- presigned URLs (presign.ts) ----

  /** A URL that downloads the object over plain HTTP until it expires. */
  presignedGetUrl(bucket: string, key: string, opts?: PresignOptions): Promise<PresignedUrl> {
    return presign.presignedGetUrl(this.#ctx, bucket, key, opts);
  }

  /** A URL that uploads the object with a plain HTTP PUT until it expires. */
  presignedPutUrl(bucket: string, key: string, opts?: PresignPutOptions): Promise<PresignedUrl> {
    return presign.presignedPutUrl(this.#ctx, bucket, key, opts);
  }

  // ---- the integration guide's operations (object-transfer.ts) ----

  /**
   * The guide's `upload_file(bucket, key, data, user_id)`. `userId` must be the
   * token's subject (or omitted); failures throw typed errors, so the result is
   * always true.
   */
  uploadFile(
    bucket: string,
    key: string,
    data: Buffer | Uint8Array | string,
    userId?: string,
  ): Promise<boolean> {
    return transfer.uploadFile(this.#ctx, bucket, key, data, userId);
  }

  /** The guide's `download_file(bucket, key, user_id)`. */
  downloadFile(bucket: string, key: string, userId?: string): Promise<Buffer> {
    return transfer.downloadFile(this.#ctx, bucket, key, userId);
  }

  /**
   * Closes every channel of the pool and the HTTP connections; calls in flight fail.
   * On a `withToken` view it does nothing.
   */
  close(): void {
    this.#ctx.rpc.close();
    if (this.#ownsTransfer) this.#ctx.transfer.close();
  }
}

/** Same as `new MinioClient(options)`. */
export function createMinioClient(options: MinioClientOptions): MinioClient {
  return new MinioClient(options);
}
