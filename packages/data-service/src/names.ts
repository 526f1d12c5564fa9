import { createHash } from "node:crypto";
import { invalidArgument } from "./errors.js";

/**
 * The bucket that holds a user's files, inside that user's own namespace of the
 * storage service. The guide names it `user-{id}`; with per-user namespaces that
 * prefix buys nothing, and a user id can hold characters (capitals, `_`, `@`) or a
 * length that bucket naming rules refuse. One fixed, valid name per user is
 * collision-free because the namespace, not the name, separates users.
 */
export const DEFAULT_USER_BUCKET = "data";

/** Where generated reports are kept inside the user's bucket. */
export const REPORTS_PREFIX = "reports/";

/** The table that `importUserData` fills and the analyses read. */
export const EVENTS_TABLE = "user_events";

/**
 * The user's analytics database: the guide's `user-{id}-analytics`, a name within
 * the caller's own namespace of the analytics service. Database names allow only
 * 1-128 letters, digits, "_" and "-"; for an id outside that (an e-mail address, a
 * long id) the name carries a hash of the id instead. Uniqueness comes from the
 * namespace, so the name only has to be valid and stable.
 */
export function analyticsDatabaseId(userId: string): string {
  const name = `user-${userId}-analytics`;
  if (/^[A-Za-z0-9_-]{1,128}$/.test(name)) return name;
  return `user-h${createHash("sha256").update(userId).digest("hex").slice(0, 40)}-analytics`;
}

const MAX_KEY_BYTES = 1024;

/**
 * Checks an object key (a file name, possibly with `/` separated folders) before
 * it reaches the storage service, so the caller gets a 400 that explains the rule
 * instead of whatever the backend makes of it.
 */
export function validateObjectKey(key: unknown, field = "file_name"): string {
  if (typeof key !== "string" || key.length === 0) {
    throw invalidArgument(`${field} must be a non-empty string`);
  }
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) {
    throw invalidArgument(`${field} is longer than ${MAX_KEY_BYTES} bytes`);
  }
  // Control characters break logs and headers; a backslash reads as a separator on some stores.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
  if (/[\u0000-\u001f\u007f\\]/.test(key)) {
    throw invalidArgument(`${field} must not contain control characters or backslashes`);
  }
  if (key.startsWith("/") || key.endsWith("/")) {
    throw invalidArgument(`${field} must not start or end with "/"`);
  }
  if (key.split("/").some((part) => part === "" || part === "." || part === "..")) {
    throw invalidArgument(`${field} must not contain empty, "." or ".." path segments`);
  }
  return key;
}
