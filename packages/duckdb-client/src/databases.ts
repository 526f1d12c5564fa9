import { optionalDate, toDatabaseInfo } from "./convert.js";
import { assertSuccess, required } from "./errors.js";
import { type ClientContext, callOptions } from "./rpc-context.js";
import type { CallOptions, DatabaseInfo } from "./types.js";

export interface CreateDatabaseOptions extends CallOptions {
  /** Owner organization; the caller must be a member. Default none: the caller owns it. */
  organizationId?: string;
  metadata?: Record<string, string>;
  /** Per-database limits: "memory_limit" (e.g. "256MB") and "threads". */
  config?: Record<string, string>;
}

export interface ListDatabasesOptions extends CallOptions {
  /** The organization's databases instead of the caller's; members only. */
  organizationId?: string;
  /** Only databases whose name contains this. */
  nameFilter?: string;
  /** 1-based. Default 1. */
  page?: number;
  /** Default 50, at most 1,000. */
  pageSize?: number;
}

export interface DatabaseList {
  databases: DatabaseInfo[];
  totalCount: number;
  page: number;
  pageSize: number;
}

export interface DeleteDatabaseOptions extends CallOptions {
  /** Also delete the copy in object storage. Default true: "delete" means gone. */
  deleteFromStorage?: boolean;
  /** Delete even while queries run on it (they are interrupted). Default false. */
  force?: boolean;
}

export interface Backup {
  /** Give it to restoreDatabase. */
  backupPath: string;
  backupSize: number;
  backupTime?: Date;
}

export async function createDatabase(
  ctx: ClientContext,
  name: string,
  opts: CreateDatabaseOptions,
): Promise<DatabaseInfo> {
  const res = assertSuccess(
    "createDatabase",
    await ctx.rpc.createDatabase(
      {
        databaseName: name,
        userId: ctx.userId,
        organizationId: opts.organizationId ?? "",
        minioBucket: "",
        metadata: opts.metadata ?? {},
        config: opts.config ?? {},
      },
      callOptions(opts),
    ),
  );
  return toDatabaseInfo(required("createDatabase", res.databaseInfo, "database_info"));
}

export async function listDatabases(
  ctx: ClientContext,
  opts: ListDatabasesOptions,
): Promise<DatabaseList> {
  const res = assertSuccess(
    "listDatabases",
    await ctx.rpc.listDatabases(
      {
        userId: ctx.userId,
        organizationId: opts.organizationId ?? "",
        nameFilter: opts.nameFilter ?? "",
        page: opts.page ?? 0,
        pageSize: opts.pageSize ?? 0,
      },
      callOptions(opts),
    ),
  );
  return {
    databases: res.databases.map(toDatabaseInfo),
    totalCount: res.totalCount,
    page: res.page,
    pageSize: res.pageSize,
  };
}

export async function getDatabaseInfo(
  ctx: ClientContext,
  db: string,
  opts: CallOptions,
): Promise<DatabaseInfo> {
  const res = assertSuccess(
    "getDatabaseInfo",
    await ctx.rpc.getDatabaseInfo({ databaseId: db, userId: ctx.userId }, callOptions(opts)),
  );
  return toDatabaseInfo(required("getDatabaseInfo", res.databaseInfo, "database_info"));
}

export async function changeVersion(
  ctx: ClientContext,
  db: string,
  opts: CallOptions,
): Promise<string | undefined> {
  const res = assertSuccess(
    "getDatabaseInfo",
    await ctx.rpc.getDatabaseInfo(
      { databaseId: db, userId: ctx.userId, changeVersionOnly: true },
      callOptions(opts),
    ),
  );
  return res.databaseInfo?.changeVersion || undefined;
}

export async function deleteDatabase(
  ctx: ClientContext,
  db: string,
  opts: DeleteDatabaseOptions,
): Promise<void> {
  assertSuccess(
    "deleteDatabase",
    await ctx.rpc.deleteDatabase(
      {
        databaseId: db,
        userId: ctx.userId,
        deleteFromMinio: opts.deleteFromStorage ?? true,
        force: opts.force ?? false,
      },
      callOptions(opts),
    ),
  );
}

export async function backupDatabase(
  ctx: ClientContext,
  db: string,
  name: string | undefined,
  opts: CallOptions,
): Promise<Backup> {
  const res = assertSuccess(
    "backupDatabase",
    await ctx.rpc.backupDatabase(
      { databaseId: db, userId: ctx.userId, backupName: name ?? "", incremental: false },
      callOptions(opts),
    ),
  );
  return {
    backupPath: res.backupPath,
    backupSize: Number(res.backupSize),
    ...optionalDate("backupTime", res.backupTime),
  };
}

export async function restoreDatabase(
  ctx: ClientContext,
  backupPath: string,
  newName: string | undefined,
  opts: CallOptions,
): Promise<DatabaseInfo> {
  const res = assertSuccess(
    "restoreDatabase",
    await ctx.rpc.restoreDatabase(
      { backupPath, userId: ctx.userId, newDatabaseName: newName ?? "" },
      callOptions(opts),
    ),
  );
  return toDatabaseInfo(required("restoreDatabase", res.databaseInfo, "database_info"));
}
