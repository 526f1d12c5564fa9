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

/**
 * The owner as one path segment: kind, then the id's UTF-8 bytes in hex. Hex keeps any id
 * (slashes, dots, "..", case differences) inside one segment and is injective, so two
 * owners never share a segment and "user-61/x" can never be reached from another owner.
 */
export function ownerSegment(owner: Owner): string {
  return `${owner.kind}-${Buffer.from(owner.id, "utf8").toString("hex")}`;
}

export function parseOwnerSegment(segment: string): Owner | undefined {
  const match = /^(user|org)-((?:[0-9a-f]{2})+)$/.exec(segment);
  if (!match) return undefined;
  return { kind: match[1] as Owner["kind"], id: Buffer.from(match[2]!, "hex").toString("utf8") };
}

/** Unique key of a database within the service: owner segment and name. */
export function databaseKey(owner: Owner, name: string): string {
  return `${ownerSegment(owner)}/${name}`;
}

/** Object keys in the service's system bucket. */
export const storeKeys = {
  registryPrefix: (owner: Owner) => `registry/${ownerSegment(owner)}/`,
  registry: (owner: Owner, name: string) => `registry/${ownerSegment(owner)}/${name}.json`,
  database: (owner: Owner, name: string) => `databases/${ownerSegment(owner)}/${name}.duckdb`,
  backup: (owner: Owner, name: string, backup: string) =>
    `backups/${ownerSegment(owner)}/${name}/${backup}.duckdb`,
};

/** The parts of a backup path as BackupDatabase returns it; undefined when it is not one. */
export function parseBackupPath(
  path: string,
): { owner: Owner; name: string; backup: string } | undefined {
  const match = /^backups\/([^/]+)\/([^/]+)\/([^/]+)\.duckdb$/.exec(path);
  if (!match) return undefined;
  const owner = parseOwnerSegment(match[1]!);
  const name = match[2]!;
  const backup = match[3]!;
  if (!owner || !DATABASE_NAME.test(name) || !BACKUP_NAME.test(backup)) return undefined;
  return { owner, name, backup };
}

// File names stay under the common 255-byte limit however long the owner id is.
const SEGMENT_PIECE = 200;

/** Where an open database's file lives in the local cache. */
export function localDatabasePath(cacheDir: string, owner: Owner, name: string): string {
  const segment = ownerSegment(owner);
  const pieces: string[] = [];
  for (let i = 0; i < segment.length; i += SEGMENT_PIECE) {
    pieces.push(segment.slice(i, i + SEGMENT_PIECE));
  }
  return join(cacheDir, "databases", ...pieces, `${name}.duckdb`);
}
