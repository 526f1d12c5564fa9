import { type BucketLocation, type Tenant, tenantPath } from "../tenant.js";
import { invalidArgument, MAX_KEY_BYTES } from "../validation.js";

// Physical keys in the one store bucket; see the README's "S3 backend".
// `.isa/` can never start a tenant path (those start with `u/`, `o/` or `sys`).

export function dataPrefix(loc: BucketLocation): string {
  return `${tenantPath(loc.tenant)}/${loc.bucket}/`;
}

/** The key in the store, which S3 limits to 1,024 bytes in all. */
export function physicalKey(loc: BucketLocation, key: string): string {
  const prefix = dataPrefix(loc);
  const physical = prefix + key;
  const bytes = Buffer.byteLength(physical, "utf8");
  if (bytes > MAX_KEY_BYTES) {
    const room = MAX_KEY_BYTES - Buffer.byteLength(prefix, "utf8");
    throw invalidArgument(
      `object key takes ${Buffer.byteLength(key, "utf8")} bytes; in this bucket the S3 backend has room for ${room} (S3's 1,024-byte limit covers the tenant and bucket prefix ${JSON.stringify(prefix)})`,
    );
  }
  return physical;
}

export function bucketsPrefix(tenant: Tenant): string {
  return `.isa/buckets/${tenantPath(tenant)}/`;
}

export function bucketMetaKey(loc: BucketLocation): string {
  return `${bucketsPrefix(loc.tenant)}${loc.bucket}.json`;
}

export function uploadsPrefix(loc: BucketLocation): string {
  return `.isa/uploads/${tenantPath(loc.tenant)}/${loc.bucket}/`;
}

export function uploadRecordKey(loc: BucketLocation, uploadId: string): string {
  return `${uploadsPrefix(loc)}${uploadId}.json`;
}

export function partRecordKey(loc: BucketLocation, uploadId: string, partNumber: number): string {
  return `${uploadsPrefix(loc)}${uploadId}/${partNumber}.json`;
}

/** Owner and user metadata travel in one `x-amz-meta-isa` header, so keys keep their case and values any Unicode. */
export function encodeIsaMeta(ownerId: string, metadata: Record<string, string>): string {
  return Buffer.from(JSON.stringify({ o: ownerId, m: metadata })).toString("base64url");
}

export function decodeIsaMeta(value: string | undefined): {
  ownerId: string;
  metadata: Record<string, string>;
} {
  if (!value) return { ownerId: "", metadata: {} };
  try {
    const parsed = JSON.parse(Buffer.from(value, "base64url").toString("utf8")) as {
      o?: unknown;
      m?: unknown;
    };
    const metadata: Record<string, string> = {};
    if (parsed.m && typeof parsed.m === "object") {
      for (const [k, v] of Object.entries(parsed.m)) if (typeof v === "string") metadata[k] = v;
    }
    return { ownerId: typeof parsed.o === "string" ? parsed.o : "", metadata };
  } catch {
    return { ownerId: "", metadata: {} };
  }
}
