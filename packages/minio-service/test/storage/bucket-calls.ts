import type { CallOptions } from "nice-grpc";
import { getObject, listRequest, putObject } from "../harness.js";
import { h } from "./each-backend.js";

export type BucketCalls = Array<[string, () => Promise<unknown>]>;

/**
 * One call of every method that names a bucket, each naming `bucket` as `caller`, with
 * `userId` in its user_id field. CopyObject is tried both ways, with `other` (a bucket of
 * the caller's) on the far side. The harness is the one running when a call runs, so this
 * may be built while tests are defined.
 */
export function callsOnBucket(
  bucket: string,
  caller: () => CallOptions,
  other: string,
  userId = "",
): BucketCalls {
  const uploadId = "0".repeat(32);
  const copy = (sourceBucket: string, destBucket: string) =>
    h.client.copyObject(
      {
        sourceBucket,
        sourceKey: "k",
        destBucket,
        destKey: "copied",
        userId,
        metadata: {},
        metadataDirective: "",
      },
      caller(),
    );
  return [
    [
      "DeleteBucket",
      () => h.client.deleteBucket({ bucketName: bucket, userId, force: true }, caller()),
    ],
    ["GetBucketInfo", () => h.client.getBucketInfo({ bucketName: bucket, userId }, caller())],
    [
      "SetBucketPolicy",
      () =>
        h.client.setBucketPolicy(
          { bucketName: bucket, userId, policyType: 1, customPolicy: "" },
          caller(),
        ),
    ],
    ["GetBucketPolicy", () => h.client.getBucketPolicy({ bucketName: bucket, userId }, caller())],
    ["PutObject", () => putObject(h, caller(), bucket, "k", "x", { userId })],
    ["GetObject", () => getObject(h, caller(), { bucketName: bucket, objectKey: "k", userId })],
    [
      "DeleteObject",
      () =>
        h.client.deleteObject(
          { bucketName: bucket, objectKey: "k", userId, versionId: "" },
          caller(),
        ),
    ],
    [
      "DeleteObjects",
      () =>
        h.client.deleteObjects(
          { bucketName: bucket, userId, objectKeys: ["k"], quiet: false },
          caller(),
        ),
    ],
    ["ListObjects", () => h.client.listObjects(listRequest(bucket, { userId }), caller())],
    ["CopyObject (source)", () => copy(bucket, other)],
    ["CopyObject (destination)", () => copy(other, bucket)],
    [
      "StatObject",
      () =>
        h.client.statObject(
          { bucketName: bucket, objectKey: "k", userId, versionId: "" },
          caller(),
        ),
    ],
    [
      "GetPresignedURL",
      () =>
        h.client.getPresignedURL(
          { bucketName: bucket, objectKey: "k", userId, expirySeconds: 0, requestParams: {} },
          caller(),
        ),
    ],
    [
      "GetPresignedPutURL",
      () =>
        h.client.getPresignedPutURL(
          { bucketName: bucket, objectKey: "k", userId, expirySeconds: 0, contentType: "" },
          caller(),
        ),
    ],
    [
      "InitiateMultipartUpload",
      () =>
        h.client.initiateMultipartUpload(
          { bucketName: bucket, objectKey: "k", userId, contentType: "", metadata: {} },
          caller(),
        ),
    ],
    [
      "UploadPart",
      () =>
        h.client.uploadPart(
          (async function* () {
            yield {
              payload: {
                $case: "metadata" as const,
                value: {
                  bucketName: bucket,
                  objectKey: "k",
                  userId,
                  uploadId,
                  partNumber: 1,
                  partSize: 0n,
                },
              },
            };
          })(),
          caller(),
        ),
    ],
    [
      "CompleteMultipartUpload",
      () =>
        h.client.completeMultipartUpload(
          {
            bucketName: bucket,
            objectKey: "k",
            userId,
            uploadId,
            parts: [{ partNumber: 1, etag: "x" }],
          },
          caller(),
        ),
    ],
    [
      "AbortMultipartUpload",
      () =>
        h.client.abortMultipartUpload(
          { bucketName: bucket, objectKey: "k", userId, uploadId },
          caller(),
        ),
    ],
  ];
}
