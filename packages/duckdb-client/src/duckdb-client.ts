import { createIsaClient } from "@isa-cloud/rpc/client";
import * as catalog from "./catalog.js";
import * as databases from "./databases.js";
import type { ImportSource } from "./import-source.js";
import * as queries from "./queries.js";
import type { Params } from "./query-request.js";
import type { QueryStream } from "./query-stream.js";
import { QueryStreamer } from "./query-streamer.js";
import type { ClientContext } from "./rpc-context.js";
import { DuckdbWireDefinition } from "./service-definition.js";
import * as status from "./service-status.js";
import * as transfer from "./transfer.js";
import type {
  BatchResult,
  CallOptions,
  ColumnDefinition,
  DatabaseInfo,
  DuckdbClientOptions,
  ExtensionInfo,
  HealthStatus,
  Metrics,
  QueryOptions,
  QueryResult,
  StatementResult,
  StreamOptions,
  TableInfo,
  TableStats,
} from "./types.js";

/**
 * Typed async client of isa.duckdb.DuckDBService. Connection pooling, auth, deadlines,
 * retries of read-only calls and typed errors come from @isa-cloud/rpc; this class
 * turns requests and `Value`s into plain JS (see README: value mapping).
 *
 * The methods are written in one file per concern (databases.ts, queries.ts,
 * query-streamer.ts, catalog.ts, transfer.ts, service-status.ts) as functions of the
 * client's context; this class holds that context and is the public face.
 */
export class DuckdbClient {
  readonly #ctx: ClientContext;
  readonly #streamer: QueryStreamer;
  readonly #options: DuckdbClientOptions;

  constructor(options: DuckdbClientOptions);
  /** @internal the view `withToken` makes: another client's connections, another token. */
  constructor(options: DuckdbClientOptions, bound: { ctx: ClientContext; streamer: QueryStreamer });
  constructor(
    options: DuckdbClientOptions,
    bound?: { ctx: ClientContext; streamer: QueryStreamer },
  ) {
    const { userId = "", timestamps = "date", ...clientOptions } = options;
    this.#options = options;
    this.#ctx = bound?.ctx ?? {
      rpc: createIsaClient(DuckdbWireDefinition, clientOptions),
      userId,
      decode: { timestamps },
    };
    this.#streamer = bound?.streamer ?? new QueryStreamer(this.#ctx);
  }

  /**
   * This client acting for the caller whose bearer token is `token`: every call sends it.
   * Shares this client's connections; closing it does nothing.
   * @example const asCaller = analytics.withToken(identity.token);
   */
  withToken(token: string): DuckdbClient {
    const ctx = { ...this.#ctx, rpc: this.#ctx.rpc.forToken(token) };
    return new DuckdbClient(this.#options, { ctx, streamer: this.#streamer.withContext(ctx) });
  }

  // ---- databases

  createDatabase(name: string, opts: databases.CreateDatabaseOptions = {}): Promise<DatabaseInfo> {
    return databases.createDatabase(this.#ctx, name, opts);
  }

  listDatabases(opts: databases.ListDatabasesOptions = {}): Promise<databases.DatabaseList> {
    return databases.listDatabases(this.#ctx, opts);
  }

  getDatabaseInfo(db: string, opts: CallOptions = {}): Promise<DatabaseInfo> {
    return databases.getDatabaseInfo(this.#ctx, db, opts);
  }

  /**
   * A value that differs whenever a write to `db` has finished since it was read, for
   * caching what is read from it; undefined from a service that does not track changes.
   * Cheap: the service neither counts tables nor measures the file.
   */
  changeVersion(db: string, opts: CallOptions = {}): Promise<string | undefined> {
    return databases.changeVersion(this.#ctx, db, opts);
  }

  deleteDatabase(db: string, opts: databases.DeleteDatabaseOptions = {}): Promise<void> {
    return databases.deleteDatabase(this.#ctx, db, opts);
  }

  /** Copies a database to a backup in object storage; give `backupPath` to restoreDatabase. */
  backupDatabase(db: string, name?: string, opts: CallOptions = {}): Promise<databases.Backup> {
    return databases.backupDatabase(this.#ctx, db, name, opts);
  }

  /** Restores a backup as `newName`, or over the original database when omitted. */
  restoreDatabase(
    backupPath: string,
    newName?: string,
    opts: CallOptions = {},
  ): Promise<DatabaseInfo> {
    return databases.restoreDatabase(this.#ctx, backupPath, newName, opts);
  }

  // ---- queries

  /**
   * Runs a query and returns all rows in one message. `params` bind by name
   * (`$name` in SQL) and are never pasted into the SQL. For large results use
   * queryStream: a result over the message size fails with ResourceExhaustedError.
   * `readOnly: true` has the service refuse anything but a read.
   */
  query<T = Record<string, unknown>>(
    db: string,
    sql: string,
    params?: Params,
    opts: QueryOptions = {},
  ): Promise<QueryResult<T>> {
    return queries.query<T>(this.#ctx, db, sql, params, opts);
  }

  /** Returns DuckDB's plan of a query instead of running it. */
  explain(db: string, sql: string, params?: Params, opts: CallOptions = {}): Promise<string> {
    return queries.explain(this.#ctx, db, sql, params, opts);
  }

  /**
   * Streams a result of any size: `for await (const row of client.queryStream(...))`,
   * or `.batches()` for the chunks. Breaking out of the loop or aborting
   * `opts.signal` cancels the call and the service stops the query. The default
   * deadline does not apply to streams (they may run as long as they deliver);
   * pass `deadline` to bound one.
   *
   * Rows travel column by column (ExecuteQueryColumnar) when the service has it and
   * row by row (ExecuteQueryStream, the seed contract) otherwise; both give the same
   * values. `transport` forces one.
   */
  queryStream<T = Record<string, unknown>>(
    db: string,
    sql: string,
    params?: Params,
    opts: StreamOptions = {},
  ): QueryStream<T> {
    return this.#streamer.open<T>(db, sql, params, opts);
  }

  /** Runs one statement (DDL or DML) and returns the rows it changed. */
  execute(
    db: string,
    sql: string,
    params?: Params,
    opts: CallOptions = {},
  ): Promise<StatementResult> {
    return queries.execute(this.#ctx, db, sql, params, opts);
  }

  /**
   * Runs statements in order. With `transaction` (default false) they run in one
   * transaction that is rolled back if any fails.
   */
  executeBatch(
    db: string,
    statements: string[],
    opts: queries.ExecuteBatchOptions = {},
  ): Promise<BatchResult> {
    return queries.executeBatch(this.#ctx, db, statements, opts);
  }

  /** Checks a statement without running it; returns its id and parameter types. */
  prepare(db: string, sql: string, opts: CallOptions = {}): Promise<queries.PreparedStatement> {
    return queries.prepare(this.#ctx, db, sql, opts);
  }

  // ---- tables, views, functions, extensions

  createTable(
    db: string,
    table: string,
    columns: ColumnDefinition[],
    opts: catalog.CreateTableOptions = {},
  ): Promise<TableInfo> {
    return catalog.createTable(this.#ctx, db, table, columns, opts);
  }

  listTables(db: string, opts: catalog.ListTablesOptions = {}): Promise<TableInfo[]> {
    return catalog.listTables(this.#ctx, db, opts);
  }

  dropTable(db: string, table: string, opts: catalog.DropTableOptions = {}): Promise<void> {
    return catalog.dropTable(this.#ctx, db, table, opts);
  }

  getTableSchema(db: string, table: string, opts: CallOptions = {}): Promise<TableInfo> {
    return catalog.getTableSchema(this.#ctx, db, table, opts);
  }

  /** Row count and size; with `includeColumns`, per-column distinct, min, max and nulls. */
  getTableStats(
    db: string,
    table: string,
    opts: catalog.TableStatsOptions = {},
  ): Promise<TableStats> {
    return catalog.getTableStats(this.#ctx, db, table, opts);
  }

  createView(
    db: string,
    view: string,
    sql: string,
    opts: catalog.CreateViewOptions = {},
  ): Promise<void> {
    return catalog.createView(this.#ctx, db, view, sql, opts);
  }

  listViews(db: string, opts: CallOptions = {}): Promise<string[]> {
    return catalog.listViews(this.#ctx, db, opts);
  }

  dropView(db: string, view: string, opts: CallOptions = {}): Promise<void> {
    return catalog.dropView(this.#ctx, db, view, opts);
  }

  /** Creates a SQL macro: `createFunction(db, "add", ["a", "b"], "a + b")`. */
  createFunction(
    db: string,
    name: string,
    parameters: string[],
    body: string,
    opts: catalog.CreateFunctionOptions = {},
  ): Promise<void> {
    return catalog.createFunction(this.#ctx, db, name, parameters, body, opts);
  }

  listExtensions(db: string, opts: CallOptions = {}): Promise<ExtensionInfo[]> {
    return catalog.listExtensions(this.#ctx, db, opts);
  }

  /** Built-in extensions are already loaded; any other is a FailedPreconditionError. */
  installExtension(db: string, name: string, opts: CallOptions = {}): Promise<void> {
    return catalog.installExtension(this.#ctx, db, name, opts);
  }

  // ---- object storage

  /**
   * Loads a stored object into a table, creating the table from the file's columns
   * unless `createTable: false`. The counterpart of the integration guide's
   * `import_from_storage(db_id, user_id, table, bucket, key, format='parquet')`.
   */
  importFromStorage(
    db: string,
    table: string,
    bucket: string,
    key: string,
    opts: transfer.ImportFromStorageOptions = {},
  ): Promise<transfer.ImportResult> {
    return transfer.importFromStorage(this.#ctx, db, table, bucket, key, opts);
  }

  /** Writes a query's result to object storage; an existing key needs `overwrite`. */
  exportToStorage(
    db: string,
    sql: string,
    bucket: string,
    key: string,
    opts: transfer.ExportToStorageOptions,
  ): Promise<transfer.ExportResult> {
    return transfer.exportToStorage(this.#ctx, db, sql, bucket, key, opts);
  }

  /**
   * Runs SQL over a stored file in place; the SQL names the file as the relation
   * `file` (default `SELECT * FROM file`). The service sends no column types for
   * this call, so values are decoded by their wire member alone.
   */
  queryStorageFile<T = Record<string, unknown>>(
    db: string,
    bucket: string,
    key: string,
    opts: transfer.QueryStorageFileOptions,
  ): Promise<transfer.FileQueryResult<T>> {
    return transfer.queryStorageFile<T>(this.#ctx, db, bucket, key, opts);
  }

  /**
   * Streams a file, buffer or stream straight into a table (created from the data's
   * columns when missing): metadata first, then chunks, with backpressure, so memory
   * stays at about one chunk whatever the size.
   */
  importData(
    db: string,
    table: string,
    source: ImportSource,
    opts: transfer.ImportDataOptions,
  ): Promise<transfer.ImportResult> {
    return transfer.importData(this.#ctx, db, table, source, opts);
  }

  // ---- service

  /** Needs no token. With `databaseId`, also checks that the database opens. */
  healthCheck(opts: status.HealthCheckOptions = {}): Promise<HealthStatus> {
    return status.healthCheck(this.#ctx, opts);
  }

  getMetrics(opts: status.MetricsOptions = {}): Promise<Metrics> {
    return status.getMetrics(this.#ctx, opts);
  }

  // ---- the integration guide's operations

  /**
   * The guide's `analyze_data(db_id, user_id, query)`: runs a query and returns its
   * rows as objects. `userId` is sent as the request's user_id (it must be the
   * token's subject; undefined or "" means the token's). `params` fill the query's
   * $names, so values never become SQL text.
   */
  analyzeData(
    dbId: string,
    userId: string | undefined,
    sql: string,
    params?: Params,
  ): Promise<Record<string, unknown>[]> {
    return queries.analyzeData(this.#ctx, dbId, userId, sql, params);
  }

  /** Closes the channels; calls in flight are cancelled. */
  close(): void {
    this.#ctx.rpc.close();
  }
}

export function createDuckdbClient(options: DuckdbClientOptions): DuckdbClient {
  return new DuckdbClient(options);
}
