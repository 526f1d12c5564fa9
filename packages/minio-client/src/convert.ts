import { minio, type Timestamp, timestampToDate } from "@isa-cloud/proto";
import { toSafeNumber } from "@isa-cloud/rpc/wire";
import type { BucketInfo, BucketPolicy, CannedPolicy, ObjectInfo } from "./types.js";

// An absent timestamp becomes an Invalid Date: visibly wrong, where the epoch
// would pass for a real date. Our service always sets them; old ones may not.
export function toDate(ts: Timestamp | undefined): Date {
  return ts ? timestampToDate(ts) : new Date(Number.NaN);
}

export function toBucketInfo(info: minio.BucketInfo | undefined): BucketInfo {
  if (!info) throw new Error("the service answered without bucket_info");
  return {
    name: info.name,
    creationDate: toDate(info.creationDate),
    ownerId: info.ownerId,
    ...(info.organizationId ? { organizationId: info.organizationId } : {}),
    tags: info.tags,
    region: info.region,
    sizeBytes: toSafeNumber(info.sizeBytes, "size_bytes"),
    objectCount: toSafeNumber(info.objectCount, "object_count"),
  };
}

export function toObjectInfo(info: minio.ObjectInfo | undefined): ObjectInfo {
  if (!info) throw new Error("the service answered without object_info");
  return {
    key: info.key,
    size: toSafeNumber(info.size, "size"),
    etag: info.etag,
    contentType: info.contentType,
    lastModified: toDate(info.lastModified),
    metadata: info.metadata,
  };
}

const { BucketPolicyType } = minio;

const POLICY_TYPES: Record<CannedPolicy | "custom", minio.BucketPolicyType> = {
  private: BucketPolicyType.BUCKET_POLICY_TYPE_PRIVATE,
  "public-read": BucketPolicyType.BUCKET_POLICY_TYPE_PUBLIC_READ,
  "public-read-write": BucketPolicyType.BUCKET_POLICY_TYPE_PUBLIC_READ_WRITE,
  custom: BucketPolicyType.BUCKET_POLICY_TYPE_CUSTOM,
};

export function fromBucketPolicy(policy: BucketPolicy): {
  policyType: minio.BucketPolicyType;
  customPolicy: string;
} {
  if (typeof policy === "object" && policy !== null && typeof policy.custom === "string") {
    return { policyType: POLICY_TYPES.custom, customPolicy: policy.custom };
  }
  const canned =
    typeof policy === "string" &&
    (policy as string) !== "custom" &&
    Object.hasOwn(POLICY_TYPES, policy);
  if (!canned) {
    throw new TypeError(
      `policy must be "private", "public-read", "public-read-write" or { custom: json }, got ${JSON.stringify(policy)}`,
    );
  }
  return { policyType: POLICY_TYPES[policy], customPolicy: "" };
}

export function toPolicyName(policyType: minio.BucketPolicyType): CannedPolicy | "custom" {
  const entry = Object.entries(POLICY_TYPES).find(([, n]) => n === policyType);
  if (!entry) throw new Error(`the service answered with unknown policy type ${policyType}`);
  return entry[0] as CannedPolicy | "custom";
}
