import { validateObjectKey } from "@isa-cloud/data-service";
import { UsageError } from "./context.js";

/** A place in storage: a bucket, and a key or a prefix in it ("" for the whole bucket). */
export interface RemotePath {
  bucket: string;
  /** An object key, or a prefix when it ends in "/" or is empty. */
  key: string;
}

/** Remote paths in `cp` and `mirror` start with this, as `s3://` does for `aws s3`. */
export const REMOTE_SCHEME = "isa://";

export function isRemote(arg: string): boolean {
  return arg.startsWith(REMOTE_SCHEME);
}

/**
 * `isa://bucket/key`, or `bucket/key` where only a remote path makes sense (ls, stat, rm).
 * The key is checked as the data service checks it: no "." or ".." segments, no
 * backslashes or control characters, so that `a/../b.csv` is an error rather than a
 * different object.
 */
export function parseRemote(arg: string, what = "path"): RemotePath {
  const text = isRemote(arg) ? arg.slice(REMOTE_SCHEME.length) : arg;
  const slash = text.indexOf("/");
  const bucket = slash < 0 ? text : text.slice(0, slash);
  const key = slash < 0 ? "" : text.slice(slash + 1);
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new UsageError(
      `"${arg}": "${bucket}" is not a bucket name (3-63 lower-case letters, digits, "." and "-"); write ${what}s as ${REMOTE_SCHEME}bucket/key`,
    );
  }
  if (key !== "") checkKey(key.endsWith("/") ? key.slice(0, -1) : key, arg);
  return { bucket, key };
}

/** Refuses a key the storage service would refuse or read differently, naming the argument. */
export function checkKey(key: string, arg = key): string {
  try {
    return validateObjectKey(key, "the name");
  } catch (err) {
    throw new UsageError(
      `"${arg}": ${(err as { details?: string }).details ?? (err as Error).message}`,
    );
  }
}

export function formatRemote(path: RemotePath): string {
  return `${REMOTE_SCHEME}${path.bucket}/${path.key}`;
}

/** `prefix` joined with a relative name in "/" form. */
export function joinKey(prefix: string, name: string): string {
  if (prefix === "") return name;
  return prefix.endsWith("/") ? `${prefix}${name}` : `${prefix}/${name}`;
}
