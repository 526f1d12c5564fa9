import type { DuckdbClient } from "@isa-cloud/duckdb-client";
import type { MinioClient } from "@isa-cloud/minio-client";
import { AlreadyExistsError, NotFoundError } from "@isa-cloud/rpc/wire";
import type { ChangeVersionReads } from "./change-version-reads.js";
import { notFound, permissionDenied } from "./errors.js";
import type { KnownSet } from "./known-set.js";
import { analyticsDatabaseId, EVENTS_TABLE } from "./names.js";
import type { ReportRegistry } from "./report-registry.js";
import type { ResultCache } from "./result-cache.js";
import type { StoreOptions, UserData } from "./service-types.js";
import { CREATE_EVENTS_TABLE_SQL } from "./sql.js";

/**
 * What every view of one DataService shares: which buckets and tables exist, results and
 * the change-version reads in flight (both undefined when the result cache is off).
 */
export interface SharedState {
  knownBuckets: KnownSet;
  knownTables: KnownSet;
  results: ResultCache | undefined;
  versionReads: ChangeVersionReads<string | undefined> | undefined;
}

export interface BoundCaller {
  userId: string;
  /** The token the clients send: what a shared call must have been made with. */
  token: string;
  minio: MinioClient;
  duckdb: DuckdbClient;
}

/**
 * What DataService's operations share: they are plain functions of it, so each concern
 * sits in its own file (user-files.ts, event-import.ts, analyses.ts, read-only-query.ts)
 * and the class only delegates.
 */
export interface CallerContext {
  readonly bucket: string;
  readonly reports: ReportRegistry;
  readonly queryMaxRows: number;
  readonly shared: SharedState;
  /** Set on the views `forCaller` makes; the root instance acts for nobody. */
  readonly caller: BoundCaller | undefined;
}

/** The caller's clients once `userId` is known to be the caller's; nothing is sent. */
export function as(ctx: CallerContext, userId: string): BoundCaller {
  const caller = ctx.caller;
  if (!caller) {
    throw new Error(
      "DataService acts for a caller: use dataService.forCaller({ userId, token }) per request",
    );
  }
  if (userId !== caller.userId) {
    throw permissionDenied(
      `user_id "${userId}" is not the caller's ("${caller.userId}"); act for yourself or send that user's token`,
    );
  }
  return caller;
}

export async function queryEvents(
  ctx: CallerContext,
  caller: BoundCaller,
  sql: string,
  params: Record<string, unknown>,
): Promise<Record<string, unknown>[]> {
  const db = analyticsDatabaseId(caller.userId);
  try {
    const { rows } = await caller.duckdb.query(db, sql, params);
    return rows;
  } catch (err) {
    if (await eventsMissing(ctx, caller.duckdb, db, err)) {
      throw notFound(
        "no events imported yet: upload a file and import it (POST /api/v1/data/import) first",
      );
    }
    throw err;
  }
}

/** Whether a failed query failed because the database or its events table does not exist. */
export async function eventsMissing(
  ctx: CallerContext,
  duckdb: DuckdbClient,
  db: string,
  err: unknown,
): Promise<boolean> {
  if (err instanceof NotFoundError) return true;
  if (!(err instanceof Error) || !err.message.includes(EVENTS_TABLE)) return false;
  try {
    await duckdb.getTableSchema(db, EVENTS_TABLE);
    return false;
  } catch (schemaError) {
    if (schemaError instanceof NotFoundError) {
      ctx.shared.knownTables.delete(db);
      return true;
    }
    return false;
  }
}

export async function ensureBucket(ctx: CallerContext, caller: BoundCaller): Promise<void> {
  if (ctx.shared.knownBuckets.has(caller.userId)) return;
  try {
    await caller.minio.createBucket(ctx.bucket);
  } catch (err) {
    if (!(err instanceof AlreadyExistsError)) throw err;
  }
  ctx.shared.knownBuckets.add(caller.userId);
}

export async function ensureEventsTable(
  ctx: CallerContext,
  duckdb: DuckdbClient,
  db: string,
): Promise<void> {
  if (ctx.shared.knownTables.has(db)) return;
  try {
    await duckdb.createDatabase(db);
  } catch (err) {
    if (!(err instanceof AlreadyExistsError)) throw err;
  }
  await duckdb.execute(db, CREATE_EVENTS_TABLE_SQL);
  ctx.shared.knownTables.add(db);
}

export async function put(
  ctx: CallerContext,
  caller: BoundCaller,
  key: string,
  data: UserData,
  options: StoreOptions,
) {
  try {
    return await caller.minio.putObject(ctx.bucket, key, data, options);
  } catch (err) {
    // The bucket went away behind our back (deleted by another client): forget it.
    if (err instanceof NotFoundError) ctx.shared.knownBuckets.delete(caller.userId);
    throw err;
  }
}
