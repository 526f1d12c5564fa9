import { escapeSegment, unescapeSegment } from "./escape.js";

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

/**
 * The tenant's physical path segments: `u/<id>`, `o/<id>` or `sys`. The kinds differ in
 * their first segment and ids are escaped injectively, so no (tenant, bucket) pair shares
 * a path with another.
 */
export function tenantSegments(tenant: Tenant): string[] {
  switch (tenant.kind) {
    case "user":
      return ["u", escapeSegment(tenant.id)];
    case "org":
      return ["o", escapeSegment(tenant.id)];
    case "system":
      return ["sys"];
  }
}

/** `tenantSegments` joined with `/`, e.g. `u/alice`. */
export function tenantPath(tenant: Tenant): string {
  return tenantSegments(tenant).join("/");
}

/** Reads `tenantSegments` back; undefined when they are not ones we wrote. */
export function tenantFromSegments(segments: readonly string[]): Tenant | undefined {
  const [kind, id, ...rest] = segments;
  if (kind === "sys" && id === undefined) return { kind: "system" };
  if ((kind !== "u" && kind !== "o") || id === undefined || rest.length > 0) return undefined;
  const decoded = unescapeSegment(id);
  if (decoded === undefined || decoded === "") return undefined;
  return kind === "u" ? { kind: "user", id: decoded } : { kind: "org", id: decoded };
}

/** How a bucket is named to someone outside its tenant: `u:<id>/<bucket>`, `o:<id>/<bucket>`. */
export function qualifiedName(loc: BucketLocation): string {
  switch (loc.tenant.kind) {
    case "user":
      return `u:${loc.tenant.id}/${loc.bucket}`;
    case "org":
      return `o:${loc.tenant.id}/${loc.bucket}`;
    case "system":
      return loc.bucket;
  }
}

export function sameTenant(a: Tenant, b: Tenant): boolean {
  if (a.kind === "system" || b.kind === "system") return a.kind === b.kind;
  return a.kind === b.kind && a.id === b.id;
}
