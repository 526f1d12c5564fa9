import type { DuckDBConnection } from "@duckdb/node-api";
import type { MinioClient } from "@isa-cloud/minio-client";
import type { DuckDBServiceImplementation, duckdb } from "@isa-cloud/proto";
import { dateToTimestamp } from "@isa-cloud/proto";
import type { Identity } from "@isa-cloud/rpc/wire";
import { resolveUserId } from "@isa-cloud/rpc-server";
import { type CallContext, ClientError, ServerError, Status } from "nice-grpc";
import type { Logger } from "pino";
import type { ResolvedConfig } from "../config.js";
import type { DatabaseManager } from "../databases/database-manager.js";
import { assertDatabaseName, type Owner } from "../databases/naming.js";
import type { OpenDatabase } from "../databases/open-database.js";
import { storedFileKey } from "../databases/persistence.js";
import type { DatabaseRecord } from "../databases/registry.js";
import type { EngineInfo } from "../engine/engine-info.js";
import { QueryGuard } from "../engine/query-guard.js";
import { isReadOnly, type StatementKind } from "../engine/statement-policy.js";
import type { PreparedStatements } from "./prepared-statements.js";

/** What every RPC handler shares. */
export interface ServiceContext {
  config: ResolvedConfig;
  manager: DatabaseManager;
  engine: EngineInfo;
  logger: Logger;
  /** Storage client whose token is the calling user's (see `asCaller`). */
  userStore: MinioClient;
  prepared: PreparedStatements;
  /** The local cache's directory as configured and as the filesystem resolves it. */
  cacheDirs: string[];
  startedAt: number;
  isServing(): boolean;
}

export type Context = CallContext & { identity: Identity };

/** The service's methods as nice-grpc calls them, with the auth middleware's identity. */
export type Impl = DuckDBServiceImplementation<{ identity: Identity }>;

/** Request fields naming a database. */
export interface DatabaseRef {
  databaseId: string;
  userId: string;
}

/**
 * The database `database_id` names for this caller: "org/<name>" is the caller's
 * organization's; a bare name is always the caller's own, never the organization's, so
 * another member cannot pre-create an organization database that a user's own name would
 * silently resolve to. Another tenant's database is never reachable, so asking is NOT_FOUND.
 */
export function databaseOf(identity: Identity, ref: DatabaseRef): { owner: Owner; name: string } {
  const userId = resolveUserId(identity, ref.userId);
  if (!ref.databaseId) {
    throw new ServerError(Status.INVALID_ARGUMENT, "database_id is required");
  }
  if (ref.databaseId.startsWith("org/")) {
    if (!identity.orgId) {
      throw new ServerError(
        Status.PERMISSION_DENIED,
        `${JSON.stringify(ref.databaseId)} names an organization database, but the token names no organization`,
      );
    }
    const name = ref.databaseId.slice(4);
    assertDatabaseName(name, "database_id");
    return { owner: { kind: "org", id: identity.orgId }, name };
  }
  assertDatabaseName(ref.databaseId, "database_id");
  return { owner: { kind: "user", id: userId }, name: ref.databaseId };
}

/** The namespaces a caller reaches: their own, and their token's organization's. */
export function reachableOwners(identity: Identity, userId = identity.userId): Owner[] {
  const owners: Owner[] = [{ kind: "user", id: userId }];
  if (identity.orgId) owners.push({ kind: "org", id: identity.orgId });
  return owners;
}

export async function findDatabase(
  ctx: ServiceContext,
  context: Context,
  ref: DatabaseRef,
): Promise<DatabaseRecord> {
  const { owner, name } = databaseOf(context.identity, ref);
  const record = await ctx.manager.find(owner, name);
  if (record) return record;
  const orgHint =
    owner.kind === "user" && context.identity.orgId
      ? `; your organization's database is database_id ${JSON.stringify(`org/${name}`)}`
      : "";
  throw new ServerError(
    Status.NOT_FOUND,
    `database ${JSON.stringify(ref.databaseId)} does not exist; create it with CreateDatabase${orgHint}`,
  );
}

/** The SQL of a request: its text, or what a PrepareStatement id stands for. */
export function sqlOf(ctx: ServiceContext, db: OpenDatabase, text: string, field: string): string {
  if (!text.trim()) throw new ServerError(Status.INVALID_ARGUMENT, `${field} is empty`);
  const prepared = ctx.prepared.resolve(db.key, text);
  if (!prepared) return text;
  if ("unknown" in prepared) {
    throw new ServerError(
      Status.NOT_FOUND,
      "prepared statement id is unknown or expired for this database; call PrepareStatement again",
    );
  }
  return prepared.sql;
}

/** Runs `fn` on a connection of the database with the call's timeout and cancellation. */
export async function onConnection<T>(
  ctx: ServiceContext,
  db: OpenDatabase,
  context: Context,
  timeoutMs: number,
  fn: (conn: DuckDBConnection, guard: QueryGuard) => Promise<T>,
): Promise<T> {
  return db.withConnection(async (conn) => {
    const guard = new QueryGuard(conn, timeoutMs, context.signal);
    const started = performance.now();
    try {
      return await fn(conn, guard);
    } finally {
      guard.dispose();
      ctx.manager.metrics.recordQuery(db.key, performance.now() - started);
    }
  });
}

/**
 * Runs `fn` on a connection of the request's database with the default timeout;
 * `markDirty` records a change made by SQL the service built itself.
 */
export async function onDatabase<T>(
  ctx: ServiceContext,
  context: Context,
  request: DatabaseRef,
  fn: (conn: DuckDBConnection, guard: QueryGuard, markDirty: () => void) => Promise<T>,
): Promise<T> {
  const record = await findDatabase(ctx, context, request);
  return ctx.manager.use(record, ({ db }) =>
    onConnection(ctx, db, context, ctx.config.queryTimeoutMs, (conn, guard) =>
      fn(conn, guard, () => {
        db.dirty = true;
      }),
    ),
  );
}

/**
 * `onStatement` hook: a statement that may write marks the database for upload, and
 * again once it has run, so that a change version read while it ran is not current
 * after it (a result cached under that version may predate the write).
 */
export function markWrites(db: OpenDatabase) {
  return (kind: StatementKind) => {
    if (isReadOnly(kind)) return undefined;
    db.dirty = true;
    return () => {
      db.dirty = true;
    };
  };
}

/** The timeout of a call: the request's, capped, or the service default. */
export function timeoutOf(ctx: ServiceContext, seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < 0) {
    throw new ServerError(Status.INVALID_ARGUMENT, "timeout_seconds must be 0 or more");
  }
  if (seconds === 0) return ctx.config.queryTimeoutMs;
  return Math.min(seconds * 1000, ctx.config.maxQueryTimeoutMs);
}

/**
 * Runs a storage call with the caller's own token, so the caller's tenancy applies to the
 * buckets it names; the storage service's errors keep their status.
 */
export async function asCaller<T>(
  ctx: ServiceContext,
  context: Context,
  what: string,
  fn: (store: MinioClient) => Promise<T>,
): Promise<T> {
  try {
    return await fn(ctx.userStore.withToken(context.identity.token ?? ""));
  } catch (err) {
    if (err instanceof ClientError) throw new ServerError(err.code, `${what}: ${err.details}`);
    throw err;
  }
}

export function toDatabaseInfo(
  ctx: ServiceContext,
  record: DatabaseRecord,
  extra: { sizeBytes: number; tableCount?: number; lastAccessed: Date },
): duckdb.DatabaseInfo {
  return {
    // The id that reaches this database from any member, even one with a database of
    // the same name of their own.
    databaseId: record.owner.kind === "org" ? `org/${record.name}` : record.name,
    databaseName: record.name,
    userId: record.createdBy,
    organizationId: record.owner.kind === "org" ? record.owner.id : "",
    minioBucket: ctx.config.storage.bucket,
    minioPath: storedFileKey(record),
    sizeBytes: BigInt(extra.sizeBytes),
    tableCount: extra.tableCount ?? record.tableCount,
    createdAt: dateToTimestamp(new Date(record.createdAt)),
    lastAccessed: dateToTimestamp(extra.lastAccessed),
    metadata: record.metadata,
    version: record.duckdbVersion,
    // GetDatabaseInfo's alone: it holds the open database that knows it.
    changeVersion: "",
  };
}

/**
 * Bytes of result rows one response may carry: the message limit less room for the rest
 * of the message (column names and types, counts).
 */
export function rowBudget(ctx: ServiceContext): number {
  const limit = ctx.config.maxMessageBytes;
  return limit - Math.min(64 * 1024, Math.floor(limit / 8));
}

/** Milliseconds since `started` (a performance.now() reading). */
export function since(started: number): number {
  return performance.now() - started;
}

/** Clamps a count into an int32 response field. */
export function int32(n: number | bigint): number {
  return Math.min(Number(n), 2_147_483_647);
}
