import { fromColumnDefinition, toTableInfo, toTableStats } from "./convert.js";
import { assertSuccess, required } from "./errors.js";
import { type ClientContext, callOptions } from "./rpc-context.js";
import type {
  CallOptions,
  ColumnDefinition,
  ExtensionInfo,
  TableInfo,
  TableStats,
} from "./types.js";

// What a database holds besides rows: tables, views, macros and extensions.

export interface CreateTableOptions extends CallOptions {
  primaryKeys?: string[];
  /** Answer with the existing table instead of an AlreadyExistsError. Default false. */
  ifNotExists?: boolean;
  comment?: string;
}

export interface ListTablesOptions extends CallOptions {
  schema?: string;
  /** Only tables whose name contains this. */
  nameFilter?: string;
}

export interface DropTableOptions extends CallOptions {
  /** Succeed instead of a NotFoundError when there is no such table. Default false. */
  ifExists?: boolean;
  /** Drop what depends on it too. Default false. */
  cascade?: boolean;
}

export interface TableStatsOptions extends CallOptions {
  /** Add per-column distinct count, min, max and nulls. Default false. */
  includeColumns?: boolean;
}

export interface CreateViewOptions extends CallOptions {
  /** Replace a view of that name (never a table). Default false. */
  replace?: boolean;
}

export interface CreateFunctionOptions extends CallOptions {
  returnType?: string;
}

export async function createTable(
  ctx: ClientContext,
  db: string,
  table: string,
  columns: ColumnDefinition[],
  opts: CreateTableOptions,
): Promise<TableInfo> {
  const res = assertSuccess(
    "createTable",
    await ctx.rpc.createTable(
      {
        databaseId: db,
        userId: ctx.userId,
        tableName: table,
        columns: columns.map((c) => fromColumnDefinition(c, opts.primaryKeys)),
        primaryKeys: opts.primaryKeys ?? [],
        ifNotExists: opts.ifNotExists ?? false,
        comment: opts.comment ?? "",
      },
      callOptions(opts),
    ),
  );
  return toTableInfo(required("createTable", res.tableInfo, "table_info"));
}

export async function listTables(
  ctx: ClientContext,
  db: string,
  opts: ListTablesOptions,
): Promise<TableInfo[]> {
  const res = assertSuccess(
    "listTables",
    await ctx.rpc.listTables(
      {
        databaseId: db,
        userId: ctx.userId,
        schemaName: opts.schema ?? "",
        nameFilter: opts.nameFilter ?? "",
      },
      callOptions(opts),
    ),
  );
  return res.tables.map(toTableInfo);
}

export async function dropTable(
  ctx: ClientContext,
  db: string,
  table: string,
  opts: DropTableOptions,
): Promise<void> {
  assertSuccess(
    "dropTable",
    await ctx.rpc.dropTable(
      {
        databaseId: db,
        userId: ctx.userId,
        tableName: table,
        ifExists: opts.ifExists ?? false,
        cascade: opts.cascade ?? false,
      },
      callOptions(opts),
    ),
  );
}

export async function getTableSchema(
  ctx: ClientContext,
  db: string,
  table: string,
  opts: CallOptions,
): Promise<TableInfo> {
  const res = assertSuccess(
    "getTableSchema",
    await ctx.rpc.getTableSchema(
      { databaseId: db, userId: ctx.userId, tableName: table },
      callOptions(opts),
    ),
  );
  return toTableInfo(required("getTableSchema", res.tableInfo, "table_info"));
}

export async function getTableStats(
  ctx: ClientContext,
  db: string,
  table: string,
  opts: TableStatsOptions,
): Promise<TableStats> {
  const res = assertSuccess(
    "getTableStats",
    await ctx.rpc.getTableStats(
      {
        databaseId: db,
        userId: ctx.userId,
        tableName: table,
        includeColumns: opts.includeColumns ?? false,
      },
      callOptions(opts),
    ),
  );
  return toTableStats(required("getTableStats", res.stats, "stats"), ctx.decode);
}

export async function createView(
  ctx: ClientContext,
  db: string,
  view: string,
  sql: string,
  opts: CreateViewOptions,
): Promise<void> {
  assertSuccess(
    "createView",
    await ctx.rpc.createView(
      {
        databaseId: db,
        userId: ctx.userId,
        viewName: view,
        query: sql,
        replace: opts.replace ?? false,
      },
      callOptions(opts),
    ),
  );
}

export async function listViews(
  ctx: ClientContext,
  db: string,
  opts: CallOptions,
): Promise<string[]> {
  const res = assertSuccess(
    "listViews",
    await ctx.rpc.listViews({ databaseId: db, userId: ctx.userId }, callOptions(opts)),
  );
  return res.views;
}

export async function dropView(
  ctx: ClientContext,
  db: string,
  view: string,
  opts: CallOptions,
): Promise<void> {
  assertSuccess(
    "dropView",
    await ctx.rpc.dropView(
      { databaseId: db, userId: ctx.userId, viewName: view },
      callOptions(opts),
    ),
  );
}

export async function createFunction(
  ctx: ClientContext,
  db: string,
  name: string,
  parameters: string[],
  body: string,
  opts: CreateFunctionOptions,
): Promise<void> {
  assertSuccess(
    "createFunction",
    await ctx.rpc.createFunction(
      {
        databaseId: db,
        userId: ctx.userId,
        functionName: name,
        functionBody: body,
        parameters,
        returnType: opts.returnType ?? "",
      },
      callOptions(opts),
    ),
  );
}

export async function listExtensions(
  ctx: ClientContext,
  db: string,
  opts: CallOptions,
): Promise<ExtensionInfo[]> {
  const res = assertSuccess(
    "listExtensions",
    await ctx.rpc.listExtensions({ databaseId: db, userId: ctx.userId }, callOptions(opts)),
  );
  return res.extensions.map((e) => ({ ...e }));
}

export async function installExtension(
  ctx: ClientContext,
  db: string,
  name: string,
  opts: CallOptions,
): Promise<void> {
  assertSuccess(
    "installExtension",
    await ctx.rpc.installExtension(
      { databaseId: db, userId: ctx.userId, extensionName: name },
      callOptions(opts),
    ),
  );
}
