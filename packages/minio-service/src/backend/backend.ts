import type { Readable } from "node:stream";
import type { BucketLocation, Tenant } from "../tenant.js";
import type { ByteRange } from "../validation.js";

/** Canned policies by name, as kept in the bucket metadata. */
export type PolicyName = "private" | "public-read" | "public-read-write" | "custom";

/** What `bucket.json` (fs) or `.isa/buckets/...json` (s3) holds. */
export interface BucketMeta {
  name: string;
  tenant: Tenant;
  ownerId: string;
  organizationId: string;
  region: string;
  tags: Record<string, string>;
  /** ISO 8601. */
  createdAt: string;
  policy: { type: PolicyName; custom: string };
}

/** An object's stored description. */
export interface StoredObject {
  key: string;
  size: number;
  /** Bare (unquoted) ETag. */
  etag: string;
  contentType: string;
  lastModified: Date;
  metadata: Record<string, string>;
  ownerId: string;
}

/** A listing entry: what S3 listings carry, no user metadata. */
export interface ListedObject {
  key: string;
  size: number;
  etag: string;
  lastModified: Date;
}

export type ListEntry =
  | { kind: "object"; object: ListedObject }
  | { kind: "prefix"; prefix: string };

export interface ListQuery {
  prefix: string;
  /** Empty for a flat (recursive) listing. */
  delimiter: string;
  /** List entries strictly after this ("" for the start). */
  startAfter: string;
  /** `startAfter` is a common prefix already returned: skip every key under it too. */
  startAfterIsPrefix: boolean;
  /** Entries (objects and common prefixes) wanted. */
  limit: number;
}

export interface ListPage {
  entries: ListEntry[];
  /** More entries follow the last one returned. */
  truncated: boolean;
}

export interface PutInput {
  contentType: string;
  metadata: Record<string, string>;
  ownerId: string;
}

export interface CopyInput {
  /** REPLACE: take `metadata` instead of the source's. */
  replaceMetadata: boolean;
  metadata: Record<string, string>;
  ownerId: string;
}

export interface PresignRequest {
  method: "GET" | "PUT";
  expiresInSeconds: number;
  /** PUT: the content type the upload must declare. */
  contentType?: string;
  /** GET: response header overrides (response-content-type, ...). */
  responseOverrides?: Record<string, string>;
  /** PUT: recorded as the object's owner where the backend can. */
  ownerId: string;
}

export interface CompletedPartRef {
  partNumber: number;
  etag: string;
}

export interface BackendHealth {
  healthy: boolean;
  details: Record<string, string | number | boolean>;
  error?: string;
}

/**
 * Storage of buckets and objects for one process. Keys, names and metadata arrive
 * validated; bodies arrive length-checked and throw when the caller's stream fails, in
 * which case nothing of that call may remain. Errors meant for the caller are nice-grpc
 * `ServerError`s.
 */
/**
 * How a reader wants an object's bytes: chunks of at most `chunkBytes`, each read straight
 * into a buffer from `alloc` (GetObject's leaves room for its message header in front, so
 * the chunk is sent without being copied).
 */
export interface ReadChunking {
  chunkBytes: number;
  alloc(size: number): Uint8Array;
}

export interface StorageBackend {
  readonly kind: "fs" | "s3";
  start(): Promise<void>;
  close(): Promise<void>;
  health(): Promise<BackendHealth>;

  /** ALREADY_EXISTS when the tenant has a bucket of that name. */
  createBucket(loc: BucketLocation, meta: BucketMeta): Promise<void>;
  getBucket(loc: BucketLocation): Promise<BucketMeta | undefined>;
  updateBucket(loc: BucketLocation, meta: BucketMeta): Promise<void>;
  listBuckets(tenant: Tenant): Promise<BucketMeta[]>;
  /** Returns how many objects went; FAILED_PRECONDITION when not empty and not `force`. */
  deleteBucket(loc: BucketLocation, force: boolean): Promise<number>;
  bucketUsage(loc: BucketLocation): Promise<{ sizeBytes: number; objectCount: number }>;

  putObject(
    loc: BucketLocation,
    key: string,
    body: AsyncIterable<Uint8Array>,
    input: PutInput,
  ): Promise<StoredObject>;
  statObject(loc: BucketLocation, key: string): Promise<StoredObject | undefined>;
  /**
   * The body must be read to the end or destroyed, which releases the file or connection.
   * A backend that reads in sizes of its choosing (fs) follows `chunking` when given.
   */
  getObject(
    loc: BucketLocation,
    key: string,
    range: { offset: number; length: number },
    chunking?: ReadChunking,
  ): Promise<{ info: StoredObject; range: ByteRange; body: Readable } | undefined>;
  /** A missing key is fine, as in S3. */
  deleteObject(loc: BucketLocation, key: string): Promise<void>;
  listObjects(loc: BucketLocation, query: ListQuery): Promise<ListPage>;
  /** NOT_FOUND when the source is missing. */
  copyObject(
    src: BucketLocation,
    srcKey: string,
    dst: BucketLocation,
    dstKey: string,
    input: CopyInput,
  ): Promise<StoredObject>;
  presign(
    loc: BucketLocation,
    key: string,
    request: PresignRequest,
  ): Promise<{ url: string; expiresAt: Date }>;

  /** Returns the upload id (32 hex digits). */
  createMultipartUpload(loc: BucketLocation, key: string, input: PutInput): Promise<string>;
  /** Returns the part's ETag: the hex MD5 of its bytes. */
  uploadPart(
    loc: BucketLocation,
    key: string,
    uploadId: string,
    partNumber: number,
    body: AsyncIterable<Uint8Array>,
    size: number | undefined,
  ): Promise<string>;
  completeMultipartUpload(
    loc: BucketLocation,
    key: string,
    uploadId: string,
    parts: CompletedPartRef[],
  ): Promise<StoredObject>;
  abortMultipartUpload(loc: BucketLocation, key: string, uploadId: string): Promise<void>;
}
