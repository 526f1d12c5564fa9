// The typed errors this client throws, re-exported so one import covers both.
export {
  AbortedError,
  AlreadyExistsError,
  DeadlineExceededError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  ResourceExhaustedError,
  ServiceUnavailableError,
  StorageError,
  UnauthenticatedError,
} from "@isa-cloud/rpc";
export type { ObjectBody } from "./body-source.js";
export { createMinioClient, MinioClient } from "./minio-client.js";
export type {
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
  Progress,
  PutFileOptions,
  PutObjectOptions,
} from "./types.js";
