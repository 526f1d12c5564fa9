import { createHash } from "node:crypto";
import { escapeSegment, MAX_SEGMENT_BYTES } from "./escape.js";

/** Who a bucket belongs to. */
export type Tenant =
  | { kind: "user"; id: string }
  | { kind: "org"; id: string }
  | { kind: "system" };

/** A bucket as stored: its tenant and its name within that tenant. */
export interface BucketLocation {
  tenant: Tenant;
  bucket: string;
}

/** Bytes of the id a hashed segment still shows (as hex), so an operator can tell whose it is. */
const HASHED_PREFIX_BYTES = 32;

/**
 * A tenant id as one path segment of at most MAX_SEGMENT_BYTES: the escaped id
 * (`escapeSegment`) where that fits, so every name written before stays where it is;
 * otherwise `~<hex of the id's first 32 bytes>~<hex SHA-256 of the id>`, 130 bytes. Escaped
 * ids never contain `~` (it is written `%7e`), so the two forms cannot meet, and two hashed
 * ids share a segment only if SHA-256 collides.
 */
export function idSegment(id: string): string {
  const escaped = escapeSegment(id);
  // Escaped names are ASCII: characters are bytes.
  if (escaped.length <= MAX_SEGMENT_BYTES) return escaped;
  const bytes = Buffer.from(id, "utf8");
  const digest = createHash("sha256").update(bytes).digest("hex");
  return `~${bytes.subarray(0, HASHED_PREFIX_BYTES).toString("hex")}~${digest}`;
}

/**
 * The tenant's physical path segments, the same on both backends: `u/<id>`, `o/<id>` or
 * `sys`, the id as `idSegment` writes it. The kinds differ in their first segment and ids
 * map injectively, so no (tenant, bucket) pair shares a path with another.
 */
export function tenantSegments(tenant: Tenant): string[] {
  switch (tenant.kind) {
    case "user":
      return ["u", idSegment(tenant.id)];
    case "org":
      return ["o", idSegment(tenant.id)];
    case "system":
      return ["sys"];
  }
}

/** `tenantSegments` joined with `/`, e.g. `u/alice`. */
export function tenantPath(tenant: Tenant): string {
  return tenantSegments(tenant).join("/");
}

export function sameTenant(a: Tenant, b: Tenant): boolean {
  if (a.kind === "system" || b.kind === "system") return a.kind === b.kind;
  return a.kind === b.kind && a.id === b.id;
}
