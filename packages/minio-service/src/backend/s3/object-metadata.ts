import { DEFAULT_CONTENT_TYPE, normalizeEtag } from "../../validation.js";
import type { StoredObject } from "../backend.js";

/** The one user-metadata header (`x-amz-meta-isa`) that carries ours. */
const METADATA_KEY = "isa";

/**
 * Owner and user metadata as S3 object metadata: one `x-amz-meta-isa` header of base64url
 * JSON, so keys keep their case and values any Unicode (plain `x-amz-meta-*` headers are
 * lower-cased and ASCII only).
 */
export function isaMetadata(
  ownerId: string,
  metadata: Record<string, string>,
): Record<string, string> {
  return {
    [METADATA_KEY]: Buffer.from(JSON.stringify({ o: ownerId, m: metadata })).toString("base64url"),
  };
}

/** Reads `isaMetadata` back; what is missing or malformed reads as empty. */
function readIsaMetadata(headers: Record<string, string> | undefined): {
  ownerId: string;
  metadata: Record<string, string>;
} {
  const value = headers?.[METADATA_KEY];
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

/** An object's description from a HEAD or GET response. */
export function storedFrom(
  key: string,
  out: {
    ETag?: string | undefined;
    ContentType?: string | undefined;
    LastModified?: Date | undefined;
    Metadata?: Record<string, string> | undefined;
  },
  size: number,
): StoredObject {
  const { ownerId, metadata } = readIsaMetadata(out.Metadata);
  return {
    key,
    size,
    etag: normalizeEtag(out.ETag ?? ""),
    contentType: out.ContentType ?? DEFAULT_CONTENT_TYPE,
    lastModified: out.LastModified ?? new Date(0),
    metadata,
    ownerId,
  };
}
