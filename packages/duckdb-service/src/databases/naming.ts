import { createHash } from "node:crypto";
import { join } from "node:path";
import { ServerError, Status } from "nice-grpc";

/** Whose namespace a database lives in: a user's own, or an organization's (shared by members). */
export interface Owner {
  kind: "user" | "org";
  id: string;
}

const DATABASE_NAME = /^[A-Za-z0-9_-]{1,128}$/;
const BACKUP_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/;

export function assertDatabaseName(name: string, field = "database name"): void {
  if (!DATABASE_NAME.test(name)) {
    throw new ServerError(
      Status.INVALID_ARGUMENT,
      `${field} ${JSON.stringify(name)} is invalid: use 1 to 128 letters, digits, '_' or '-'`,
    );
  }
}

export function assertBackupName(name: string): void {
  if (!BACKUP_NAME.test(name)) {
    throw new ServerError(
      Status.INVALID_ARGUMENT,
      `backup name ${JSON.stringify(name)} is invalid: use 1 to 128 letters, digits, '_', '-' or '.', not starting with '.'`,
    );
  }
}

// Physical names: every '/'-separated piece of a storage key and of a local path must stay
// a file name in the storage service's filesystem backend, which escapes a key segment to
// at most 254 bytes (an upper-case letter takes 2, a byte outside [A-Za-z0-9._-] 3), and
// in the local cache (255 bytes); a whole key stays far below S3's 1,024. Ids and names
// that fit keep their plain form; longer ones keep a readable prefix and add a SHA-256 of
// the whole, after a '.' that no plain form contains (owner segments are hex, database
// names have no dots; a backup name can, but matching a hashed form would need a preimage).
const MAX_SEGMENT_BYTES = 254;
// Room a database or backup segment keeps for the longest suffix it gets: ".duckdb".
const SUFFIX_ROOM = ".duckdb".length;

function hashed(prefix: string, whole: string): string {
  return `${prefix}.${createHash("sha256").update(whole, "utf8").digest("hex")}`;
}

/** Bytes of `segment` once the filesystem backend has escaped it. */
function escapedBytes(segment: string): number {
  let bytes = 0;
  for (const byte of Buffer.from(segment, "utf8")) {
    const plain = /[a-z0-9._-]/.test(String.fromCharCode(byte));
    bytes += plain ? 1 : byte >= 0x41 && byte <= 0x5a ? 2 : 3;
  }
  return bytes;
}

/**
 * The owner as one path segment: kind, then the id's UTF-8 bytes in hex. Hex keeps any id
 * (slashes, dots, "..", case differences) inside one segment and is injective, so two
 * owners never share a segment and "user-61/x" can never be reached from another owner.
 * An id above 124 bytes would pass 254 bytes: it keeps 64 bytes of hex and adds a hash.
 */
export function ownerSegment(owner: Owner): string {
  const hex = Buffer.from(owner.id, "utf8").toString("hex");
  const plain = `${owner.kind}-${hex}`;
  if (plain.length <= MAX_SEGMENT_BYTES) return plain;
  return hashed(`${owner.kind}-${hex.slice(0, 128)}`, owner.id);
}

/** A database or backup name as a key segment (before its suffix). */
function nameSegment(name: string): string {
  if (escapedBytes(name) + SUFFIX_ROOM <= MAX_SEGMENT_BYTES) return name;
  return hashed(name.slice(0, 64), name);
}

/**
 * `<owner segment>/<name segment>`: the database's place in storage keys (its generations
 * live under `databases/<this>/`) and in etcd (`/isa/analytics/generations/<this>`).
 */
export function storePath(owner: Owner, name: string): string {
  return `${ownerSegment(owner)}/${nameSegment(name)}`;
}

/** Unique key of a database within the service: owner segment and name. */
export function databaseKey(owner: Owner, name: string): string {
  return `${ownerSegment(owner)}/${name}`;
}

/** Whether a database key belongs to `owner`. */
export function isOwnedBy(databaseKey: string, owner: Owner): boolean {
  return databaseKey.startsWith(`${ownerSegment(owner)}/`);
}

/** Object keys in the service's system bucket. */
export const storeKeys = {
  registryPrefix: (owner: Owner) => `registry/${ownerSegment(owner)}/`,
  registry: (owner: Owner, name: string) =>
    `registry/${ownerSegment(owner)}/${nameSegment(name)}.json`,
  /** The one file of a database stored before generations (see generations.ts). */
  database: (owner: Owner, name: string) => `databases/${storePath(owner, name)}.duckdb`,
  backup: (owner: Owner, name: string, backup: string) =>
    `${backupPrefix(owner, name)}${nameSegment(backup)}.duckdb`,
};

/** Where `name`'s backups go: a backup path from BackupDatabase starts with it. */
export function backupPrefix(owner: Owner, name: string): string {
  return `backups/${ownerSegment(owner)}/${nameSegment(name)}/`;
}

/**
 * The owner segment of a backup path as BackupDatabase returns it; undefined when it is
 * not one. Which owner and database it belongs to is decided by comparing segments: a
 * hashed segment cannot be read back.
 */
export function backupOwnerSegment(path: string): string | undefined {
  const name = "[A-Za-z0-9_-][A-Za-z0-9_.-]*";
  return new RegExp(`^backups/((?:user|org)-[0-9a-f.]+)/${name}/${name}\\.duckdb$`).exec(path)?.[1];
}

// File names stay under the common 255-byte limit however long the owner segment is.
const SEGMENT_PIECE = 200;

/** Where an open database's file lives in the local cache. */
export function localDatabasePath(cacheDir: string, owner: Owner, name: string): string {
  const segment = ownerSegment(owner);
  const pieces: string[] = [];
  for (let i = 0; i < segment.length; i += SEGMENT_PIECE) {
    pieces.push(segment.slice(i, i + SEGMENT_PIECE));
  }
  return join(cacheDir, "databases", ...pieces, `${nameSegment(name)}.duckdb`);
}
