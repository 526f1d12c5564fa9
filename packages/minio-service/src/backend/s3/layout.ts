import { type BucketLocation, type Tenant, tenantPath } from "../../tenant.js";
import { invalidArgument, MAX_KEY_BYTES } from "../../validation.js";

// Physical keys in the one store bucket; see the README's "S3 backend".
// `.isa/` can never start a tenant path (those start with `u/`, `o/` or `sys`). A tenant
// segment takes at most 255 bytes and a bucket 63, so the longest record key
// (`.isa/uploads/<tenant>/<bucket>/<upload id>/10000.json`) takes 378 bytes, and an object
// key has room for at least 702 of S3's 1,024.

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
