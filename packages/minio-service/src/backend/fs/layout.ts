import { join } from "node:path";
import { escapeName, unescapeName } from "../escape.js";
import { invalidArgument } from "../validation.js";

/** An object's sidecar, `meta.json`: the commit point of every write. */
export interface ObjectRecord {
  key: string;
  size: number;
  etag: string;
  contentType: string;
  metadata: Record<string, string>;
  ownerId: string;
  /** ISO 8601. */
  lastModified: string;
  /** Name of the (immutable) data file beside the sidecar. */
  data: string;
}

export const META_FILE = "meta.json";
export const DATA_PREFIX = "data-";
/** Most filesystems cap a name at 255 bytes. */
const MAX_NAME_BYTES = 255;

/**
 * The directory names of a key: one per '/'-separated segment, `_` + the escaped segment.
 * Files of an object never start with `_`, so `a` and `a/b` can both be objects.
 */
export function keyDirNames(key: string): string[] {
  return key.split("/").map((segment) => {
    const name = `_${escapeName(segment)}`;
    if (name.length > MAX_NAME_BYTES) {
      throw invalidArgument(
        `key segment ${JSON.stringify(segment.slice(0, 40))}... takes ${name.length - 1} bytes once escaped for the filesystem backend; at most ${MAX_NAME_BYTES - 1} per '/'-separated segment (upper-case letters take 2, other non-[a-z0-9._-] bytes 3)`,
      );
    }
    return name;
  });
}

/** The key segment a directory name stands for; undefined for our own files and strays. */
export function segmentOf(name: string): string | undefined {
  if (!name.startsWith("_")) return undefined;
  return unescapeName(name.slice(1));
}

export function objectDir(objectsRoot: string, key: string): string {
  return join(objectsRoot, ...keyDirNames(key));
}
