import { dateToTimestamp, minio } from "@isa-cloud/proto";
import type { BucketMeta, ListedObject, PolicyName, StoredObject } from "../backend/backend.js";

const { BucketPolicyType } = minio;

export function objectInfo(object: StoredObject): minio.ObjectInfo {
  return {
    key: object.key,
    size: BigInt(object.size),
    etag: object.etag,
    contentType: object.contentType,
    lastModified: dateToTimestamp(object.lastModified),
    metadata: object.metadata,
    storageClass: "STANDARD",
    versionId: "",
    ownerId: object.ownerId,
  };
}

export function listedInfo(object: ListedObject): minio.ObjectInfo {
  return {
    key: object.key,
    size: BigInt(object.size),
    etag: object.etag,
    contentType: "",
    lastModified: dateToTimestamp(object.lastModified),
    metadata: {},
    storageClass: "STANDARD",
    versionId: "",
    ownerId: "",
  };
}

export function bucketInfo(
  meta: BucketMeta,
  usage?: { sizeBytes: number; objectCount: number },
): minio.BucketInfo {
  return {
    name: meta.name,
    creationDate: dateToTimestamp(new Date(meta.createdAt)),
    ownerId: meta.ownerId,
    organizationId: meta.organizationId,
    tags: meta.tags,
    region: meta.region,
    sizeBytes: BigInt(usage?.sizeBytes ?? 0),
    objectCount: BigInt(usage?.objectCount ?? 0),
  };
}

const POLICY_NAMES: Record<number, PolicyName> = {
  [BucketPolicyType.BUCKET_POLICY_TYPE_PRIVATE]: "private",
  [BucketPolicyType.BUCKET_POLICY_TYPE_PUBLIC_READ]: "public-read",
  [BucketPolicyType.BUCKET_POLICY_TYPE_PUBLIC_READ_WRITE]: "public-read-write",
  [BucketPolicyType.BUCKET_POLICY_TYPE_CUSTOM]: "custom",
};

export function policyName(type: minio.BucketPolicyType): PolicyName | undefined {
  return POLICY_NAMES[type];
}

export function policyType(name: PolicyName): minio.BucketPolicyType {
  switch (name) {
    case "private":
      return BucketPolicyType.BUCKET_POLICY_TYPE_PRIVATE;
    case "public-read":
      return BucketPolicyType.BUCKET_POLICY_TYPE_PUBLIC_READ;
    case "public-read-write":
      return BucketPolicyType.BUCKET_POLICY_TYPE_PUBLIC_READ_WRITE;
    case "custom":
      return BucketPolicyType.BUCKET_POLICY_TYPE_CUSTOM;
  }
}

/** A canned policy as the S3 policy document it stands for (for GetBucketPolicy's policy_json). */
export function policyDocument(bucket: string, name: PolicyName, custom: string): string {
  if (name === "custom") return custom;
  const actions =
    name === "public-read"
      ? ["s3:GetObject"]
      : name === "public-read-write"
        ? ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
        : [];
  const statements = actions.length
    ? [
        {
          Effect: "Allow",
          Principal: { AWS: ["*"] },
          Action: actions,
          Resource: [`arn:aws:s3:::${bucket}/*`],
        },
      ]
    : [];
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}
