import { join } from "node:path";
import { escapeName, MAX_SEGMENT_BYTES, unescapeName } from "../../escape.js";
import { type BucketLocation, type Tenant, tenantPath, tenantSegments } from "../../tenant.js";
import { invalidArgument } from "../../validation.js";

// Where everything lives under the root; the tree is drawn in the README's "Filesystem backend".

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

/** A multipart upload's `upload.json`: what Complete gives the object. */
export interface UploadRecord {
  key: string;
  contentType: string;
  metadata: Record<string, string>;
  ownerId: string;
  initiated: string;
}

export const META_FILE = "meta.json";
export const DATA_PREFIX = "data-";
export const BUCKET_FILE = "bucket.json";
export const UPLOAD_FILE = "upload.json";

/** The paths of one root. */
export class FsLayout {
  /** Staging: files and directories are built here and renamed into place; emptied at start. */
  readonly tmp: string;
  /** Holds the pid of the process using the root. */
  readonly lockFile: string;

  constructor(readonly root: string) {
    this.tmp = join(root, ".tmp");
    this.lockFile = join(root, ".lock");
  }

  tenantDir(tenant: Tenant): string {
    return join(this.root, ...tenantSegments(tenant));
  }

  bucketDir(loc: BucketLocation): string {
    return join(this.tenantDir(loc.tenant), loc.bucket);
  }

  bucketFile(loc: BucketLocation): string {
    return join(this.bucketDir(loc), BUCKET_FILE);
  }

  objectsRoot(loc: BucketLocation): string {
    return join(this.bucketDir(loc), "objects");
  }

  /** INVALID_ARGUMENT when a segment of the key does not fit in a file name. */
  objectDir(loc: BucketLocation, key: string): string {
    return join(this.objectsRoot(loc), ...keyDirNames(key));
  }

  uploadsDir(loc: BucketLocation): string {
    return join(this.bucketDir(loc), "uploads");
  }

  uploadDir(loc: BucketLocation, uploadId: string): string {
    return join(this.uploadsDir(loc), uploadId);
  }

  /** The name bucket locks go by. */
  bucketKey(loc: BucketLocation): string {
    return `${tenantPath(loc.tenant)}/${loc.bucket}`;
  }
}

export function partName(partNumber: number): string {
  return `part-${String(partNumber).padStart(5, "0")}`;
}

/**
 * The directory names of a key: one per '/'-separated segment, `_` + the escaped segment.
 * Files of an object never start with `_`, so `a` and `a/b` can both be objects.
 */
export function keyDirNames(key: string): string[] {
  return key.split("/").map((segment) => {
    const name = `_${escapeName(segment)}`;
    if (name.length > MAX_SEGMENT_BYTES) {
      throw invalidArgument(
        `key segment ${JSON.stringify(segment.slice(0, 40))}... takes ${name.length - 1} bytes once escaped for the filesystem backend; at most ${MAX_SEGMENT_BYTES - 1} per '/'-separated segment (upper-case letters take 2, other non-[a-z0-9._-] bytes 3)`,
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
