import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import type { BucketLocation, Tenant } from "./tenant.js";
import { RESPONSE_OVERRIDES } from "./validation.js";

/** What a presigned URL of the filesystem backend grants: one method on one object until `expires`. */
export interface PresignClaims {
  method: "GET" | "PUT";
  loc: BucketLocation;
  key: string;
  /** Unix seconds. */
  expires: number;
  /** PUT: the Content-Type the upload must send (and the object gets). */
  contentType?: string;
  /** PUT: the owner recorded on the object (whoever asked for the URL). */
  ownerId: string;
  /** GET: response header overrides. */
  responseOverrides: Record<string, string>;
}

const ROUTE = "o";

/**
 * The presign HMAC key derived from the JWT secret (HKDF-SHA256, info "isa-presign-v1"),
 * for when no MINIO_PRESIGN_SECRET is set. A separate key means a presign signature can
 * never stand in for a JWT signature, nor reveal anything about the JWT secret.
 */
export function derivePresignSecret(jwtSecret: string): string {
  return Buffer.from(hkdfSync("sha256", jwtSecret, "", "isa-presign-v1", 32)).toString("hex");
}

/** `<base>/o/<u|o>/<id>/<bucket>/<key>?X-Isa-Expires=..&X-Isa-Signature=..` */
export function presignUrl(baseUrl: string, secret: string, claims: PresignClaims): string {
  const path = [
    ROUTE,
    ...tenantParts(claims.loc.tenant),
    claims.loc.bucket,
    ...claims.key.split("/"),
  ]
    .map(encodeURIComponent)
    .join("/");
  const query = new URLSearchParams();
  query.set("X-Isa-Expires", String(claims.expires));
  if (claims.ownerId) query.set("X-Isa-Owner", claims.ownerId);
  if (claims.contentType !== undefined) query.set("X-Isa-Content-Type", claims.contentType);
  for (const [name, value] of sortedEntries(claims.responseOverrides)) query.set(name, value);
  query.set("X-Isa-Signature", signature(secret, claims));
  return `${baseUrl.replace(/\/+$/, "")}/${path}?${query.toString()}`;
}

export type PresignCheck =
  | { ok: true; claims: PresignClaims }
  | { ok: false; status: 400 | 403 | 404; message: string };

/**
 * Checks a request against its signature. The signature covers the decoded parts, so a
 * client that normalizes the URL's percent-encoding still matches.
 */
export function verifyPresigned(
  method: "GET" | "PUT",
  requestUrl: string,
  secret: string,
  nowSeconds: number,
): PresignCheck {
  const url = new URL(requestUrl, "http://presign.invalid");
  let parts: string[];
  try {
    parts = url.pathname.split("/").slice(1).map(decodeURIComponent);
  } catch {
    return { ok: false, status: 400, message: "malformed URL path" };
  }
  if (parts[0] !== ROUTE) return { ok: false, status: 404, message: "no such route" };
  let tenant: Tenant;
  let rest: string[];
  if (parts[1] === "sys") {
    tenant = { kind: "system" };
    rest = parts.slice(2);
  } else if ((parts[1] === "u" || parts[1] === "o") && parts[2]) {
    tenant = parts[1] === "u" ? { kind: "user", id: parts[2] } : { kind: "org", id: parts[2] };
    rest = parts.slice(3);
  } else {
    return { ok: false, status: 404, message: "no such route" };
  }
  const [bucket, ...keyParts] = rest;
  if (!bucket || keyParts.length === 0)
    return { ok: false, status: 404, message: "no object in the URL" };
  const q = url.searchParams;
  const given = q.get("X-Isa-Signature");
  const expires = Number(q.get("X-Isa-Expires"));
  if (!given || !Number.isSafeInteger(expires)) {
    return {
      ok: false,
      status: 403,
      message: "not a presigned URL: X-Isa-Expires or X-Isa-Signature missing",
    };
  }
  const responseOverrides: Record<string, string> = {};
  for (const [name, value] of q) {
    if ((RESPONSE_OVERRIDES as readonly string[]).includes(name)) responseOverrides[name] = value;
  }
  const claims: PresignClaims = {
    method,
    loc: { tenant, bucket },
    key: keyParts.join("/"),
    expires,
    ownerId: q.get("X-Isa-Owner") ?? "",
    responseOverrides,
  };
  const contentType = q.get("X-Isa-Content-Type");
  if (contentType !== null) claims.contentType = contentType;
  const expected = Buffer.from(signature(secret, claims), "hex");
  const actual = Buffer.from(given, "hex");
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    return {
      ok: false,
      status: 403,
      message: "signature does not match (URL altered, or signed for another method)",
    };
  }
  if (nowSeconds > expires)
    return { ok: false, status: 403, message: "the presigned URL has expired" };
  return { ok: true, claims };
}

function signature(secret: string, c: PresignClaims): string {
  const canonical = JSON.stringify([
    "isa-presign-v1",
    c.method,
    ...tenantParts(c.loc.tenant),
    c.loc.bucket,
    c.key,
    c.expires,
    c.contentType ?? null,
    c.ownerId,
    sortedEntries(c.responseOverrides),
  ]);
  return createHmac("sha256", secret).update(canonical).digest("hex");
}

function tenantParts(tenant: Tenant): string[] {
  switch (tenant.kind) {
    case "user":
      return ["u", tenant.id];
    case "org":
      return ["o", tenant.id];
    case "system":
      return ["sys"];
  }
}

function sortedEntries(record: Record<string, string>): Array<[string, string]> {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
