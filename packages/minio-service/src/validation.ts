import { toSafeNumber } from "@isa-cloud/rpc/wire";
import { ServerError, Status } from "nice-grpc";
import type { Tenant } from "./tenant.js";

/** S3's longest bucket name. */
const MAX_BUCKET_NAME_LENGTH = 63;
/** The most bytes of UTF-8 an object key may take, as in S3. */
export const MAX_KEY_BYTES = 1024;
/** User metadata, as JSON, stays under this so it fits S3's 2 KB header limit once base64url-encoded. */
export const MAX_METADATA_JSON_BYTES = 1500;
/** Longest lifetime of a presigned URL (7 days), as in S3. */
export const MAX_PRESIGN_SECONDS = 604_800;
export const DEFAULT_PRESIGN_SECONDS = 3600;
/** S3's minimum size for every part of a multipart upload but the last. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
export const MAX_PART_BYTES = 5 * 1024 * 1024 * 1024;
export const MAX_PART_NUMBER = 10_000;
/** S3's page size default and maximum. */
export const MAX_LIST_KEYS = 1000;
export const MAX_DELETE_KEYS = 1000;
export const DEFAULT_CONTENT_TYPE = "application/octet-stream";
/**
 * Longest user or organization id, in bytes of UTF-8, that a token, a `user_id`, an
 * `organization_id` or a bucket reference may carry. OIDC caps `sub` at 255 ASCII
 * characters; this leaves room for issuers that do not, and bounds what a reference costs.
 */
export const MAX_TENANT_ID_BYTES = 1024;
/** How much of a request string an error message quotes: messages travel back in a header. */
const MAX_QUOTED_CHARS = 64;

export function invalidArgument(message: string): ServerError {
  return new ServerError(Status.INVALID_ARGUMENT, message);
}

/** A request string as an error message shows it: JSON-quoted, cut after 64 characters. */
export function quoted(value: string): string {
  if (value.length <= MAX_QUOTED_CHARS) return JSON.stringify(value);
  return `${JSON.stringify(value.slice(0, MAX_QUOTED_CHARS))}...`;
}

/** INVALID_ARGUMENT naming the limit when `id` (a user or organization id) is longer than ids may be. */
export function validateTenantId(id: string, field: string): void {
  const bytes = Buffer.byteLength(id, "utf8");
  if (bytes > MAX_TENANT_ID_BYTES) {
    throw invalidArgument(
      `${field} takes ${bytes} bytes; ids may take at most ${MAX_TENANT_ID_BYTES} bytes of UTF-8`,
    );
  }
}

const BUCKET_RULE = `use 3-${MAX_BUCKET_NAME_LENGTH} characters of lower-case letters, digits, '.' and '-', starting and ending with a letter or digit`;

/** S3's bucket naming rules (plus MinIO's ban on '.-' and '-.'). */
export function validateBucketName(name: string): void {
  const problem = bucketNameProblem(name);
  if (problem) throw invalidArgument(`bucket name ${quoted(name)} ${problem}; ${BUCKET_RULE}`);
}

function bucketNameProblem(name: string): string | undefined {
  if (name === "") return "is empty";
  if (name.length < 3 || name.length > MAX_BUCKET_NAME_LENGTH)
    return `has ${name.length} characters`;
  if (!/^[a-z0-9.-]+$/.test(name)) return "contains a character outside a-z, 0-9, '.' and '-'";
  if (!/^[a-z0-9].*[a-z0-9]$/.test(name)) return "does not start and end with a letter or digit";
  if (/\.\.|\.-|-\./.test(name)) return "contains '..', '.-' or '-.'";
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return "looks like an IP address";
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(name)) return "starts with a reserved prefix";
  if (/(-s3alias|--ol-s3|--x-s3|--table-s3)$/.test(name)) return "ends with a reserved suffix";
  return undefined;
}

/**
 * What a request's `bucket_name` refers to: a plain name (the caller's own namespace) or a
 * qualified one naming another tenant, `u:<user id>/<bucket>` or `o:<org id>/<bucket>`.
 * `text` is the reference as the request wrote it, for messages.
 */
export type BucketRef =
  | { kind: "own"; bucket: string; text: string }
  | { kind: "qualified"; tenant: Tenant; bucket: string; text: string };

export function parseBucketRef(ref: string): BucketRef {
  if (ref.startsWith("u:") || ref.startsWith("o:")) {
    const slash = ref.lastIndexOf("/");
    const id = ref.slice(2, slash);
    if (slash < 0 || id === "") {
      throw invalidArgument(
        `bucket reference ${quoted(ref)} is incomplete; write u:<user id>/<bucket> or o:<organization id>/<bucket>`,
      );
    }
    const isUser = ref[0] === "u";
    validateTenantId(
      id,
      `the ${isUser ? "user" : "organization"} id of bucket reference ${quoted(ref)}`,
    );
    const bucket = ref.slice(slash + 1);
    validateBucketName(bucket);
    const tenant: Tenant = isUser ? { kind: "user", id } : { kind: "org", id };
    return { kind: "qualified", tenant, bucket, text: ref };
  }
  validateBucketName(ref);
  return { kind: "own", bucket: ref, text: ref };
}

// Control characters: S3 lists keys in XML, where most of them cannot appear.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

/** S3's key rules, plus: no leading '/', no '.' or '..' segment, no control characters. */
export function validateObjectKey(key: string, field = "object key"): void {
  if (key === "") throw invalidArgument(`${field} is empty`);
  const bytes = Buffer.byteLength(key, "utf8");
  if (bytes > MAX_KEY_BYTES) {
    throw invalidArgument(
      `${field} takes ${bytes} bytes; keys may take at most ${MAX_KEY_BYTES} bytes of UTF-8`,
    );
  }
  if (key.startsWith("/")) {
    throw invalidArgument(
      `${field} ${JSON.stringify(key)} starts with '/'; keys are relative, drop the leading '/'`,
    );
  }
  if (key.split("/").some((segment) => segment === "." || segment === "..")) {
    throw invalidArgument(
      `${field} ${JSON.stringify(key)} has a '.' or '..' segment; keys cannot climb paths`,
    );
  }
  if (CONTROL.test(key)) {
    throw invalidArgument(`${field} ${JSON.stringify(key)} contains a control character`);
  }
}

/** User metadata: keys of 1-128 bytes without control characters, the whole at most 1,500 bytes as JSON. */
export function validateMetadata(metadata: Record<string, string>): void {
  for (const key of Object.keys(metadata)) {
    const bytes = Buffer.byteLength(key, "utf8");
    if (bytes === 0 || bytes > 128 || CONTROL.test(key)) {
      throw invalidArgument(
        `metadata key ${quoted(key)} is invalid; keys take 1-128 bytes without control characters`,
      );
    }
  }
  const size = Buffer.byteLength(JSON.stringify(metadata), "utf8");
  if (size > MAX_METADATA_JSON_BYTES) {
    throw invalidArgument(
      `user metadata takes ${size} bytes as JSON; at most ${MAX_METADATA_JSON_BYTES} are allowed`,
    );
  }
}

/** A content type as an HTTP header carries it; empty means application/octet-stream. */
export function normalizeContentType(contentType: string): string {
  if (contentType === "") return DEFAULT_CONTENT_TYPE;
  if (contentType.length > 255 || !/^[\x20-\x7e]+$/.test(contentType)) {
    throw invalidArgument(
      `content type ${quoted(contentType)} is invalid; use printable ASCII of at most 255 characters, e.g. "text/csv"`,
    );
  }
  return contentType;
}

/** S3's tag rules: at most 50 tags, keys 1-128 and values 0-256 characters. */
export function validateTags(tags: Record<string, string>): void {
  const entries = Object.entries(tags);
  if (entries.length > 50)
    throw invalidArgument(`${entries.length} tags given; at most 50 are allowed`);
  for (const [key, value] of entries) {
    if (key.length === 0 || key.length > 128 || value.length > 256 || CONTROL.test(key + value)) {
      throw invalidArgument(
        `tag ${quoted(key)} is invalid; keys take 1-128 characters, values at most 256, no control characters`,
      );
    }
  }
}

/** A non-negative int64 request field as a safe JS number; INVALID_ARGUMENT otherwise. */
export function nonNegativeField(value: bigint, field: string): number {
  return toSafeNumber(value, field, {
    nonNegative: true,
    error: (reason) =>
      invalidArgument(
        reason === "negative"
          ? `${field} is ${value}; it cannot be negative`
          : `${field} is ${value}; too large`,
      ),
  });
}

export interface ByteRange {
  /** First byte. */
  start: number;
  /** One past the last byte. */
  end: number;
}

/** Range read semantics: offset within the object, length 0 meaning to the end, clamped at the end. */
export function resolveRange(size: number, offset: number, length: number): ByteRange {
  if (offset > size) {
    throw invalidArgument(`offset ${offset} is past the end of the ${size}-byte object`);
  }
  const end = length === 0 ? size : Math.min(size, offset + length);
  return { start: offset, end };
}

/** Presigned URL lifetime: 0 means one hour, otherwise 1 second to 7 days. */
export function presignSeconds(expirySeconds: number): number {
  if (expirySeconds === 0) return DEFAULT_PRESIGN_SECONDS;
  if (expirySeconds < 0 || expirySeconds > MAX_PRESIGN_SECONDS) {
    throw invalidArgument(
      `expiry_seconds is ${expirySeconds}; use 1-${MAX_PRESIGN_SECONDS} (7 days), or 0 for one hour`,
    );
  }
  return expirySeconds;
}

export function validatePartNumber(partNumber: number): void {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
    throw invalidArgument(`part number ${partNumber} is invalid; use 1-${MAX_PART_NUMBER}`);
  }
}

/** Response header overrides a presigned GET may carry, as S3 allows. */
export const RESPONSE_OVERRIDES = [
  "response-cache-control",
  "response-content-disposition",
  "response-content-encoding",
  "response-content-language",
  "response-content-type",
  "response-expires",
] as const;

export function validateResponseOverrides(params: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) {
    const lower = name.toLowerCase();
    if (!(RESPONSE_OVERRIDES as readonly string[]).includes(lower)) {
      throw invalidArgument(
        `request parameter ${quoted(name)} is not supported; use ${RESPONSE_OVERRIDES.join(", ")}`,
      );
    }
    if (!/^[\x20-\x7e]*$/.test(value)) {
      throw invalidArgument(`request parameter ${quoted(name)} must be printable ASCII`);
    }
    out[lower] = value;
  }
  return out;
}

/** S3 ETags travel quoted; compare them bare and in lower case. */
export function normalizeEtag(etag: string): string {
  return etag.trim().replace(/^"|"$/g, "").toLowerCase();
}
