import type { ClientOptions } from "@isa-cloud/rpc/client";

/**
 * Connection settings: exactly @isa-cloud/rpc's ClientOptions (address, token,
 * poolSize, balance, defaultDeadlineMs, retry, maxMessageBytes, channelOptions),
 * documented with their defaults there and in this package's README.
 *
 * One default differs: `channelOptions["grpc-node.flow_control_window"]` is 4 MiB
 * (4194304) instead of HTTP/2's 64 KiB, which made downloads wait on
 * window updates (about half the throughput). The cost: per connection (`poolSize` per
 * address), up to that many received bytes may wait in memory for a slow reader. Set the
 * option yourself to choose another size; 65535 restores grpc-js's default.
 *
 * @example new MinioClient({ address: "localhost:50051", token: () => tokens.get() })
 */
export interface MinioClientOptions extends ClientOptions {
  /**
   * How object bytes travel (putObject, putFile, getObject, getObjectStream,
   * downloadToFile, and the guide's uploadFile/downloadFile):
   *
   * - `"auto"` (default): objects of at least `transferThresholdBytes` go over a
   *   presigned HTTP URL the service hands out over gRPC (a PUT or a GET streamed with
   *   bounded memory: 1.3 to 2x the gRPC stream's throughput at a fifth or less of its
   *   client CPU, since grpc-js's 1 MiB message handling is that stream's ceiling),
   *   everything else over the gRPC stream. It falls back to the gRPC stream, without an
   *   error, when the service hands out no URL (a service without presigned URLs answers
   *   UNIMPLEMENTED) or the URL cannot be reached; the client then keeps to gRPC for
   *   30 s before trying HTTP again. Uploads with `metadata`, bodies of unknown length
   *   (streams without `contentLength`) and single uploads above 5 GiB (S3's limit for
   *   one PUT) stay on gRPC; `putFile` sends one PUT instead of gRPC parts.
   * - `"grpc"`: always the gRPC stream, as isA clients in other languages do.
   * - `"http"`: every transfer over presigned HTTP, whatever its size; when that is not
   *   possible it fails with ServiceUnavailableError instead of falling back, and an
   *   upload with `metadata` is refused with InvalidArgumentError (a presigned PUT
   *   carries none).
   *
   * Errors are the same typed errors either way (NotFoundError, PermissionDeniedError,
   * ...), as are progress callbacks, `signal` and `deadline`.
   * @example new MinioClient({ address, token, transfer: "grpc" })
   */
  transfer?: TransferMode;
  /**
   * The object size from which `transfer: "auto"` moves bytes over presigned HTTP.
   * Default: 8 MiB (8388608), where the HTTP path's extra round trip (asking for the
   * URL) costs under a millisecond against tens saved.
   * @example { transferThresholdBytes: 64 * 1024 * 1024 }
   */
  transferThresholdBytes?: number;
}

/** See MinioClientOptions `transfer`. */
export type TransferMode = "auto" | "grpc" | "http";

/** What every method accepts besides its own options. */
export interface CallOptions {
  /**
   * Cancels the call: the server stops and, for uploads, keeps nothing.
   * Default: none.
   * @example { signal: AbortSignal.timeout(60_000) }
   */
  signal?: AbortSignal;
  /**
   * Deadline of this call: a Date, or milliseconds from now. Default: the
   * client's `defaultDeadlineMs` (30 s) for calls that move metadata; none for
   * the calls that move object bytes (put/get/download/putFile), whose length
   * depends on the object: bound those with `signal` or set this.
   * @example { deadline: 5_000 }
   */
  deadline?: Date | number;
}

/** Progress of a transfer. */
export interface Progress {
  /** Bytes moved so far; increases with every call. */
  bytes: number;
  /** Bytes the transfer will move in all, when known (always known for downloads and files). */
  total?: number;
}

export interface BucketInfo {
  /** The name as its owner sees it. */
  name: string;
  creationDate: Date;
  ownerId: string;
  /** Set for organization buckets. */
  organizationId?: string;
  tags: Record<string, string>;
  region: string;
  /** Bytes in all objects; filled by getBucketInfo, 0 elsewhere. */
  sizeBytes: number;
  /** Objects in the bucket; filled by getBucketInfo, 0 elsewhere. */
  objectCount: number;
}

/**
 * An object's info. In listObjects entries `contentType` is "" and `metadata`
 * empty, as in S3 listings: statObject has them.
 */
export interface ObjectInfo {
  key: string;
  size: number;
  /** Hex MD5 of the content; "<hex>-N" for an object assembled from N parts. */
  etag: string;
  contentType: string;
  lastModified: Date;
  /** User metadata given at upload. */
  metadata: Record<string, string>;
}

/** A common prefix yielded by listObjects when listing with a delimiter. */
export interface CommonPrefix {
  prefix: string;
}

export type CannedPolicy = "private" | "public-read" | "public-read-write";

/** A canned policy, or an S3-style JSON policy document stored as given. */
export type BucketPolicy = CannedPolicy | { custom: string };

export interface CreateBucketOptions extends CallOptions {
  /**
   * Makes the bucket belong to this organization; the caller must be a member
   * (the token's `org`). Default: the caller's own bucket.
   * @example { organizationId: "org-42" }
   */
  organizationId?: string;
  /** Region label stored with the bucket. Default: the service's. @example { region: "eu-west-1" } */
  region?: string;
  /** Tags stored with the bucket. Default: none. @example { tags: { team: "ml" } } */
  tags?: Record<string, string>;
}

export interface ListBucketsOptions extends CallOptions {
  /** Only buckets whose name starts with this. Default: all. @example { prefix: "reports-" } */
  prefix?: string;
  /** Lists this organization's buckets instead of the caller's. Default: the caller's. @example { organizationId: "org-42" } */
  organizationId?: string;
}

export interface DeleteBucketOptions extends CallOptions {
  /**
   * Deletes the objects too. Default: false, and a non-empty bucket is then
   * refused with FailedPreconditionError.
   * @example { force: true }
   */
  force?: boolean;
}

export interface PutObjectOptions extends CallOptions {
  /** MIME type stored with the object. Default: application/octet-stream. @example { contentType: "text/csv" } */
  contentType?: string;
  /**
   * Exact byte count of a stream body: the service then refuses a body of any
   * other length, and progress reports a total. Default: taken from Buffers,
   * strings and files; unknown for streams.
   * @example { contentLength: 1_048_576 }
   */
  contentLength?: number;
  /** User metadata stored with the object. Default: none. @example { metadata: { source: "upload" } } */
  metadata?: Record<string, string>;
  /** Called as bytes are sent. Default: none. @example { onProgress: ({ bytes, total }) => bar.update(bytes / total) } */
  onProgress?: (progress: Progress) => void;
}

export interface GetObjectOptions extends CallOptions {
  /** First byte to read (a range read). Default: 0. @example { offset: 1024 } */
  offset?: number;
  /** Bytes to read from offset. Default: to the end of the object. @example { offset: 0, length: 100 } */
  length?: number;
  /** Called as bytes arrive. Default: none. @example { onProgress: ({ bytes, total }) => log(bytes, total) } */
  onProgress?: (progress: Progress) => void;
}

export interface ListObjectsOptions extends CallOptions {
  /** Only keys starting with this. Default: all. @example { prefix: "2024/" } */
  prefix?: string;
  /**
   * Groups keys sharing a prefix up to this character into `{ prefix }` entries.
   * Ignored when recursive. Default: none (every key).
   * @example { prefix: "2024/", delimiter: "/" }
   */
  delimiter?: string;
  /** Lists every key under prefix, ignoring delimiter. Default: false. @example { recursive: true } */
  recursive?: boolean;
  /** Only keys after this one. Default: from the first. @example { startAfter: "2024/05" } */
  startAfter?: string;
  /** Keys per request; the iterator fetches pages as it goes. Default: 1,000 (the service's maximum). @example { pageSize: 100 } */
  pageSize?: number;
}

export interface CopyObjectOptions extends CallOptions {
  /** Metadata for the copy. Default: the source's. @example { metadata: { reviewed: "yes" } } */
  metadata?: Record<string, string>;
  /**
   * Whether the copy gets `metadata` instead of the source's. Default: true when
   * `metadata` is given, else false.
   * @example { metadata: {}, replaceMetadata: true } // copy without metadata
   */
  replaceMetadata?: boolean;
}

export interface PresignOptions extends CallOptions {
  /** Lifetime of the URL in seconds, at most 604,800 (7 days). Default: 3,600. @example { expirySeconds: 600 } */
  expirySeconds?: number;
}

export interface PresignPutOptions extends PresignOptions {
  /** Content type the upload must declare. Default: any. @example { contentType: "image/png" } */
  contentType?: string;
}

export interface PresignedUrl {
  url: string;
  expiresAt: Date;
}

export interface PutFileOptions extends CallOptions {
  /**
   * Bytes per part of a multipart upload; files no larger go up in one
   * putObject. At least 5 MiB, as in S3; grown when a file would need more than
   * 10,000 parts. Default: 8 MiB.
   * @example { partSize: 64 * 1024 * 1024 }
   */
  partSize?: number;
  /** Parts uploaded at once. Default: 4. @example { concurrency: 8 } */
  concurrency?: number;
  /** MIME type stored with the object. Default: application/octet-stream. @example { contentType: "video/mp4" } */
  contentType?: string;
  /** User metadata stored with the object. Default: none. @example { metadata: { camera: "3" } } */
  metadata?: Record<string, string>;
  /** Called as bytes are sent, across all parts. Default: none. @example { onProgress: ({ bytes, total }) => bar.update(bytes / total) } */
  onProgress?: (progress: Progress) => void;
}

export interface DeleteObjectsResult {
  deleted: string[];
  errors: Array<{ key: string; code: string; message: string }>;
}
