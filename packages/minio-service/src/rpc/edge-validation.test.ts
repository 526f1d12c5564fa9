import { minio } from "@isa-cloud/proto";
import { type CallContext, ServerError, Status } from "nice-grpc";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { StorageBackend } from "../backend/backend.js";
import { createMinioServiceImpl } from "./create-service.js";
import type { Ext } from "./deps.js";

// Every name and id of a request is checked before the backend is asked anything: a
// backend that fails whatever touches it proves it, method by method, in memory.

const backendCalls: string[] = [];
const untouchable = new Proxy({} as StorageBackend, {
  get: (_target, method) => () => {
    backendCalls.push(String(method));
    throw new Error(`backend.${String(method)} was called`);
  },
});
const impl = createMinioServiceImpl({
  backend: untouchable,
  logger: pino({ level: "silent" }),
  chunkBytes: 1024 * 1024,
  startedAt: new Date(),
  version: "test",
});
const ctx = {
  identity: { userId: "alice", system: false },
  signal: new AbortController().signal,
} as unknown as CallContext & Ext;

async function* stream<T>(message: T): AsyncGenerator<T> {
  yield message;
}

/** One call of every method that names a bucket or an id, naming `bucket` as `userId`. */
function calls(bucket: string, userId: string): Array<[string, () => Promise<unknown>]> {
  const key = { bucketName: bucket, objectKey: "k", userId };
  const copy = (sourceBucket: string, destBucket: string) => () =>
    impl.copyObject(
      minio.CopyObjectRequest.fromPartial({
        sourceBucket,
        sourceKey: "k",
        destBucket,
        destKey: "d",
        userId,
      }),
      ctx,
    );
  return [
    ["CreateBucket", () => impl.createBucket(minio.CreateBucketRequest.fromPartial(key), ctx)],
    ["ListBuckets", () => impl.listBuckets(minio.ListBucketsRequest.fromPartial({ userId }), ctx)],
    ["DeleteBucket", () => impl.deleteBucket(minio.DeleteBucketRequest.fromPartial(key), ctx)],
    ["GetBucketInfo", () => impl.getBucketInfo(minio.GetBucketInfoRequest.fromPartial(key), ctx)],
    [
      "SetBucketPolicy",
      () => impl.setBucketPolicy(minio.SetBucketPolicyRequest.fromPartial(key), ctx),
    ],
    [
      "GetBucketPolicy",
      () => impl.getBucketPolicy(minio.GetBucketPolicyRequest.fromPartial(key), ctx),
    ],
    [
      "PutObject",
      () =>
        impl.putObject(
          stream(
            minio.PutObjectRequest.fromPartial({ payload: { $case: "metadata", value: key } }),
          ),
          ctx,
        ),
    ],
    [
      "GetObject",
      () =>
        impl.getObject(minio.GetObjectRequest.fromPartial(key), ctx)[Symbol.asyncIterator]().next(),
    ],
    ["DeleteObject", () => impl.deleteObject(minio.DeleteObjectRequest.fromPartial(key), ctx)],
    [
      "DeleteObjects",
      () =>
        impl.deleteObjects(
          minio.DeleteObjectsRequest.fromPartial({ ...key, objectKeys: ["k"] }),
          ctx,
        ),
    ],
    ["ListObjects", () => impl.listObjects(minio.ListObjectsRequest.fromPartial(key), ctx)],
    ["CopyObject (source)", copy(bucket, "mine")],
    ["CopyObject (destination)", copy("mine", bucket)],
    ["StatObject", () => impl.statObject(minio.StatObjectRequest.fromPartial(key), ctx)],
    [
      "GetPresignedURL",
      () => impl.getPresignedURL(minio.GetPresignedURLRequest.fromPartial(key), ctx),
    ],
    [
      "GetPresignedPutURL",
      () => impl.getPresignedPutURL(minio.GetPresignedPutURLRequest.fromPartial(key), ctx),
    ],
    [
      "InitiateMultipartUpload",
      () =>
        impl.initiateMultipartUpload(minio.InitiateMultipartUploadRequest.fromPartial(key), ctx),
    ],
    [
      "UploadPart",
      () =>
        impl.uploadPart(
          stream(
            minio.UploadPartRequest.fromPartial({
              payload: { $case: "metadata", value: { ...key, partNumber: 1 } },
            }),
          ),
          ctx,
        ),
    ],
    [
      "CompleteMultipartUpload",
      () =>
        impl.completeMultipartUpload(
          minio.CompleteMultipartUploadRequest.fromPartial({
            ...key,
            parts: [{ partNumber: 1, etag: "e" }],
          }),
          ctx,
        ),
    ],
    [
      "AbortMultipartUpload",
      () => impl.abortMultipartUpload(minio.AbortMultipartUploadRequest.fromPartial(key), ctx),
    ],
  ];
}

async function refusal(call: () => Promise<unknown>): Promise<ServerError> {
  backendCalls.length = 0;
  const err = await call().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(backendCalls).toEqual([]);
  expect(err).toBeInstanceOf(ServerError);
  return err as ServerError;
}

describe("validation at the edge", () => {
  it.each(calls(`u:${"x".repeat(5000)}/reports`, "").filter(([name]) => name !== "ListBuckets"))(
    "refuses a 5,000-byte user id in a bucket reference on %s before the backend",
    async (_name, call) => {
      const err = await refusal(call);
      expect(err.code).toBe(Status.INVALID_ARGUMENT);
      expect(err.details).toMatch(/at most 1024 bytes/);
    },
  );

  it.each(calls("b".repeat(5000), "").filter(([name]) => name !== "ListBuckets"))(
    "refuses a 5,000-character bucket name on %s before the backend",
    async (_name, call) => {
      const err = await refusal(call);
      expect(err.code).toBe(Status.INVALID_ARGUMENT);
      expect(err.details).toMatch(/use 3-63 characters/);
    },
  );

  it.each(calls("mine", "y".repeat(5000)))(
    "refuses a 5,000-byte user_id on %s before the backend",
    async (_name, call) => {
      const err = await refusal(call);
      expect(err.code).toBe(Status.INVALID_ARGUMENT);
      expect(err.details).toMatch(/user_id takes 5000 bytes; ids may take at most 1024 bytes/);
    },
  );
});
