import type { BackendHealth, StorageBackend } from "./backend.js";

type Backend = StorageBackend;

/** Bucket records: create, read, update, list, delete, size. */
export interface BucketOperations {
  create: Backend["createBucket"];
  get: Backend["getBucket"];
  update: Backend["updateBucket"];
  list: Backend["listBuckets"];
  delete: Backend["deleteBucket"];
  usage: Backend["bucketUsage"];
}

/** Objects one at a time. */
export interface ObjectOperations {
  put: Backend["putObject"];
  stat: Backend["statObject"];
  get: Backend["getObject"];
  delete: Backend["deleteObject"];
  copy: Backend["copyObject"];
}

export interface MultipartOperations {
  create: Backend["createMultipartUpload"];
  uploadPart: Backend["uploadPart"];
  complete: Backend["completeMultipartUpload"];
  abort: Backend["abortMultipartUpload"];
}

/** What a backend is made of: one part per concern. */
export interface BackendParts {
  buckets: BucketOperations;
  objects: ObjectOperations;
  list: Backend["listObjects"];
  presign: Backend["presign"];
  uploads: MultipartOperations;
}

/**
 * A StorageBackend as the composition of its parts: each method hands over to the part of
 * its concern. A backend adds its kind and its life cycle (start, close, health).
 */
export abstract class ComposedBackend implements StorageBackend {
  abstract readonly kind: Backend["kind"];
  abstract start(): Promise<void>;
  abstract close(): Promise<void>;
  abstract health(): Promise<BackendHealth>;

  constructor(private readonly parts: BackendParts) {}

  readonly createBucket: Backend["createBucket"] = (...a) => this.parts.buckets.create(...a);
  readonly getBucket: Backend["getBucket"] = (...a) => this.parts.buckets.get(...a);
  readonly updateBucket: Backend["updateBucket"] = (...a) => this.parts.buckets.update(...a);
  readonly listBuckets: Backend["listBuckets"] = (...a) => this.parts.buckets.list(...a);
  readonly deleteBucket: Backend["deleteBucket"] = (...a) => this.parts.buckets.delete(...a);
  readonly bucketUsage: Backend["bucketUsage"] = (...a) => this.parts.buckets.usage(...a);

  readonly putObject: Backend["putObject"] = (...a) => this.parts.objects.put(...a);
  readonly statObject: Backend["statObject"] = (...a) => this.parts.objects.stat(...a);
  readonly getObject: Backend["getObject"] = (...a) => this.parts.objects.get(...a);
  readonly deleteObject: Backend["deleteObject"] = (...a) => this.parts.objects.delete(...a);
  readonly copyObject: Backend["copyObject"] = (...a) => this.parts.objects.copy(...a);
  readonly listObjects: Backend["listObjects"] = (...a) => this.parts.list(...a);
  readonly presign: Backend["presign"] = (...a) => this.parts.presign(...a);

  readonly createMultipartUpload: Backend["createMultipartUpload"] = (...a) =>
    this.parts.uploads.create(...a);
  readonly uploadPart: Backend["uploadPart"] = (...a) => this.parts.uploads.uploadPart(...a);
  readonly completeMultipartUpload: Backend["completeMultipartUpload"] = (...a) =>
    this.parts.uploads.complete(...a);
  readonly abortMultipartUpload: Backend["abortMultipartUpload"] = (...a) =>
    this.parts.uploads.abort(...a);
}
