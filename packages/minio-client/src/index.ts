// The typed errors this client throws, re-exported so one import covers both; the list
// lives in one place, @isa-cloud/rpc/errors.
export * from "@isa-cloud/rpc/errors";
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
  TransferMode,
} from "./types.js";
