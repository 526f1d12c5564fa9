import {
  DuckDBServiceDefinition,
  type duckdb,
  type Timestamp,
  timestampToDate,
} from "@isa-cloud/proto";
import {
  createIsaClient,
  InvalidArgumentError,
  type IsaClient,
  StorageError,
} from "@isa-cloud/rpc";
import { Status } from "nice-grpc-common";
import { createColumnarDecoder } from "./columnar-decoder.js";
import { type ImportSource, openImportSource } from "./import-source.js";
import { QueryStream } from "./query-stream.js";
import { createRowDecoder } from "./row-decoder.js";
import type {
  BatchResult,
  CallOptions,
  ColumnDefinition,
  DatabaseInfo,
  DataFormat,
  DuckdbClientOptions,
  ExtensionInfo,
  HealthStatus,
  ImportProgress,
  Metrics,
  QueryBatch,
  QueryOptions,
  QueryResult,
  StatementResult,
  StreamOptions,
  TableInfo,
  TableStats,
} from "./types.js";
import { type DecodeOptions, untypedDecoder } from "./value-decoder.js";
import { encodeParameters, ParameterError } from "./value-encoder.js";

type Service = typeof DuckDBServiceDefinition;
type Params = Record<string, unknown>;

const DEFAULT_CHUNK_SIZE = 256 * 1024;

function methodPath(method: keyof Service["methods"]): string {
  return `/${DuckDBServiceDefinition.fullName}/${DuckDBServiceDefinition.methods[method].name}`;
}

/**
 * Typed async client of isa.duckdb.DuckDBService. Connection pooling, auth, deadlines,
 * retries of read-only calls and typed errors come from @isa-cloud/rpc; this class
 * turns requests and `Value`s into plain JS (see README: value mapping).
 */
export class DuckdbClient {
  readonly #rpc: IsaClient<Service>;
  readonly #userId: string;
  readonly #decode: DecodeOptions;
  /** Whether the service has ExecuteQueryColumnar; undefined until a stream finds out. */
  #columnar: boolean | undefined;

  constructor(options: DuckdbClientOptions) {
    const { userId = "", timestamps = "date", ...clientOptions } = options;
    this.#rpc = createIsaClient(DuckDBServiceDefinition, clientOptions);
    this.#userId = userId;
    this.#decode = { timestamps };
  }

  // ---- databases

  async createDatabase(
    name: string,
    opts: CallOptions & {
      organizationId?: string;
      metadata?: Record<string, string>;
      /** Per-database limits: "memory_limit" (e.g. "256MB") and "threads". */
      config?: Record<string, string>;
    } = {},
  ): Promise<DatabaseInfo> {
    const res = await this.#call("createDatabase", opts, (o) =>
      this.#rpc.createDatabase(
        {
          databaseName: name,
          userId: this.#userId,
          organizationId: opts.organizationId ?? "",
          minioBucket: "",
          metadata: opts.metadata ?? {},
          config: opts.config ?? {},
        },
        o,
      ),
    );
    return toDatabaseInfo(required("createDatabase", res.databaseInfo, "database_info"));
  }

  async listDatabases(
    opts: CallOptions & {
      organizationId?: string;
      /** Only databases whose name contains this. */
      nameFilter?: string;
      /** 1-based. Default 1. */
      page?: number;
      /** Default 50, at most 1,000. */
      pageSize?: number;
    } = {},
  ): Promise<{ databases: DatabaseInfo[]; totalCount: number; page: number; pageSize: number }> {
    const res = await this.#call("listDatabases", opts, (o) =>
      this.#rpc.listDatabases(
        {
          userId: this.#userId,
          organizationId: opts.organizationId ?? "",
          nameFilter: opts.nameFilter ?? "",
          page: opts.page ?? 0,
          pageSize: opts.pageSize ?? 0,
        },
        o,
      ),
    );
    return {
      databases: res.databases.map(toDatabaseInfo),
      totalCount: res.totalCount,
      page: res.page,
      pageSize: res.pageSize,
    };
  }

  async getDatabaseInfo(db: string, opts: CallOptions = {}): Promise<DatabaseInfo> {
    const res = await this.#call("getDatabaseInfo", opts, (o) =>
      this.#rpc.getDatabaseInfo({ databaseId: db, userId: this.#userId }, o),
    );
    return toDatabaseInfo(required("getDatabaseInfo", res.databaseInfo, "database_info"));
  }

  async deleteDatabase(
    db: string,
    opts: CallOptions & {
      /** Also delete the copy in object storage. Default true: "delete" means gone. */
      deleteFromStorage?: boolean;
      /** Delete even while queries run on it (they are interrupted). Default false. */
      force?: boolean;
    } = {},
  ): Promise<void> {
    await this.#call("deleteDatabase", opts, (o) =>
      this.#rpc.deleteDatabase(
        {
          databaseId: db,
          userId: this.#userId,
          deleteFromMinio: opts.deleteFromStorage ?? true,
          force: opts.force ?? false,
        },
        o,
      ),
    );
  }

  /** Copies a database to a backup in object storage; give `backupPath` to restoreDatabase. */
  async backupDatabase(
    db: string,
    name?: string,
    opts: CallOptions = {},
  ): Promise<{ backupPath: string; backupSize: number; backupTime?: Date }> {
    const res = await this.#call("backupDatabase", opts, (o) =>
      this.#rpc.backupDatabase(
        { databaseId: db, userId: this.#userId, backupName: name ?? "", incremental: false },
        o,
      ),
    );
    return {
      backupPath: res.backupPath,
      backupSize: Number(res.backupSize),
      ...optionalDate("backupTime", res.backupTime),
    };
  }

  /** Restores a backup as `newName`, or over the original database when omitted. */
  async restoreDatabase(
    backupPath: string,
    newName?: string,
    opts: CallOptions = {},
  ): Promise<DatabaseInfo> {
    const res = await this.#call("restoreDatabase", opts, (o) =>
      this.#rpc.restoreDatabase(
        { backupPath, userId: this.#userId, newDatabaseName: newName ?? "" },
        o,
      ),
    );
    return toDatabaseInfo(required("restoreDatabase", res.databaseInfo, "database_info"));
  }

  // ---- queries

  /**
   * Runs a query and returns all rows in one message. `params` bind by name
   * (`$name` in SQL) and are never pasted into the SQL. For large results use
   * queryStream: a result over the message size fails with ResourceExhaustedError.
   */
  async query<T = Record<string, unknown>>(
    db: string,
    sql: string,
    params?: Params,
    opts: QueryOptions = {},
  ): Promise<QueryResult<T>> {
    const request = this.#queryRequest("executeQuery", db, sql, params, opts);
    const res = await this.#call("executeQuery", opts, (o) => this.#rpc.executeQuery(request, o));
    const { columns, decode } = createRowDecoder<T>(res.columns, res.columnTypes, {
      ...this.#decode,
      ...pickTimestamps(opts),
    });
    return { rows: res.rows.map(decode), columns, executionTimeMs: res.executionTimeMs };
  }

  /** Returns DuckDB's plan of a query instead of running it. */
  async explain(db: string, sql: string, params?: Params, opts: CallOptions = {}): Promise<string> {
    const request = this.#queryRequest("executeQuery", db, sql, params, {});
    request.explain = true;
    const res = await this.#call("executeQuery", opts, (o) => this.#rpc.executeQuery(request, o));
    return res.queryPlan;
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
    const decode = { ...this.#decode, ...pickTimestamps(opts) };
    const transport = opts.transport ?? "auto";
    return new QueryStream<T>(() => {
      // Options and parameters are checked when iteration starts, still before the call.
      if (!["auto", "columnar", "rows"].includes(transport)) {
        throw invalidArgument(
          "executeQueryStream",
          `transport must be "auto", "columnar" or "rows"`,
        );
      }
      const request = this.#queryRequest("executeQueryStream", db, sql, params, opts);
      const callOptions = callOptionsOf(opts);
      if (transport === "rows" || (transport === "auto" && this.#columnar === false)) {
        return this.#rowBatches<T>(request, callOptions, decode);
      }
      return this.#columnarBatches<T>(request, callOptions, decode, transport === "auto");
    });
  }

  /** Runs one statement (DDL or DML) and returns the rows it changed. */
  async execute(
    db: string,
    sql: string,
    params?: Params,
    opts: CallOptions = {},
  ): Promise<StatementResult> {
    const parameters = this.#encode("executeStatement", params);
    const res = await this.#call("executeStatement", opts, (o) =>
      this.#rpc.executeStatement(
        { databaseId: db, userId: this.#userId, statement: sql, parameters },
        o,
      ),
    );
    return { affectedRows: res.affectedRows, executionTimeMs: res.executionTimeMs };
  }

  /**
   * Runs statements in order. With `transaction` (default false) they run in one
   * transaction that is rolled back if any fails.
   */
  async executeBatch(
    db: string,
    statements: string[],
    opts: CallOptions & { transaction?: boolean } = {},
  ): Promise<BatchResult> {
    const res = await this.#call("executeBatch", opts, (o) =>
      this.#rpc.executeBatch(
        {
          databaseId: db,
          userId: this.#userId,
          statements,
          transaction: opts.transaction ?? false,
        },
        o,
      ),
    );
    return {
      results: res.results.map((r) => ({
        success: r.success,
        affectedRows: r.affectedRows,
        error: r.error,
      })),
      totalExecutionTimeMs: res.totalExecutionTimeMs,
    };
  }

  /** Checks a statement without running it; returns its id and parameter types. */
  async prepare(
    db: string,
    sql: string,
    opts: CallOptions = {},
  ): Promise<{ statementId: string; parameterTypes: string[] }> {
    const res = await this.#call("prepareStatement", opts, (o) =>
      this.#rpc.prepareStatement({ databaseId: db, userId: this.#userId, statement: sql }, o),
    );
    return { statementId: res.statementId, parameterTypes: res.parameterTypes };
  }

  // ---- tables, views, functions, extensions

  async createTable(
    db: string,
    table: string,
    columns: ColumnDefinition[],
    opts: CallOptions & { primaryKeys?: string[]; ifNotExists?: boolean; comment?: string } = {},
  ): Promise<TableInfo> {
    const res = await this.#call("createTable", opts, (o) =>
      this.#rpc.createTable(
        {
          databaseId: db,
          userId: this.#userId,
          tableName: table,
          columns: columns.map((c) => ({
            name: c.name,
            dataType: c.type,
            nullable: c.nullable ?? true,
            defaultValue: c.defaultValue ?? "",
            isPrimaryKey: opts.primaryKeys?.includes(c.name) ?? false,
            isUnique: c.unique ?? false,
            comment: c.comment ?? "",
          })),
          primaryKeys: opts.primaryKeys ?? [],
          ifNotExists: opts.ifNotExists ?? false,
          comment: opts.comment ?? "",
        },
        o,
      ),
    );
    return toTableInfo(required("createTable", res.tableInfo, "table_info"));
  }

  async listTables(
    db: string,
    opts: CallOptions & { schema?: string; nameFilter?: string } = {},
  ): Promise<TableInfo[]> {
    const res = await this.#call("listTables", opts, (o) =>
      this.#rpc.listTables(
        {
          databaseId: db,
          userId: this.#userId,
          schemaName: opts.schema ?? "",
          nameFilter: opts.nameFilter ?? "",
        },
        o,
      ),
    );
    return res.tables.map(toTableInfo);
  }

  async dropTable(
    db: string,
    table: string,
    opts: CallOptions & { ifExists?: boolean; cascade?: boolean } = {},
  ): Promise<void> {
    await this.#call("dropTable", opts, (o) =>
      this.#rpc.dropTable(
        {
          databaseId: db,
          userId: this.#userId,
          tableName: table,
          ifExists: opts.ifExists ?? false,
          cascade: opts.cascade ?? false,
        },
        o,
      ),
    );
  }

  async getTableSchema(db: string, table: string, opts: CallOptions = {}): Promise<TableInfo> {
    const res = await this.#call("getTableSchema", opts, (o) =>
      this.#rpc.getTableSchema({ databaseId: db, userId: this.#userId, tableName: table }, o),
    );
    return toTableInfo(required("getTableSchema", res.tableInfo, "table_info"));
  }

  /** Row count and size; with `includeColumns`, per-column distinct, min, max and nulls. */
  async getTableStats(
    db: string,
    table: string,
    opts: CallOptions & { includeColumns?: boolean } = {},
  ): Promise<TableStats> {
    const res = await this.#call("getTableStats", opts, (o) =>
      this.#rpc.getTableStats(
        {
          databaseId: db,
          userId: this.#userId,
          tableName: table,
          includeColumns: opts.includeColumns ?? false,
        },
        o,
      ),
    );
    const stats = required("getTableStats", res.stats, "stats");
    const decode = untypedDecoder(this.#decode);
    return {
      tableName: stats.tableName,
      rowCount: Number(stats.rowCount),
      sizeBytes: Number(stats.sizeBytes),
      columns: stats.columnStats.map((c) => ({
        columnName: c.columnName,
        distinctCount: Number(c.distinctCount),
        min: decode(c.minValue),
        max: decode(c.maxValue),
        nullCount: Number(c.nullCount),
      })),
    };
  }

  async createView(
    db: string,
    view: string,
    sql: string,
    opts: CallOptions & { replace?: boolean } = {},
  ): Promise<void> {
    await this.#call("createView", opts, (o) =>
      this.#rpc.createView(
        {
          databaseId: db,
          userId: this.#userId,
          viewName: view,
          query: sql,
          replace: opts.replace ?? false,
        },
        o,
      ),
    );
  }

  async listViews(db: string, opts: CallOptions = {}): Promise<string[]> {
    const res = await this.#call("listViews", opts, (o) =>
      this.#rpc.listViews({ databaseId: db, userId: this.#userId }, o),
    );
    return res.views;
  }

  async dropView(db: string, view: string, opts: CallOptions = {}): Promise<void> {
    await this.#call("dropView", opts, (o) =>
      this.#rpc.dropView({ databaseId: db, userId: this.#userId, viewName: view }, o),
    );
  }

  /** Creates a SQL macro: `createFunction(db, "add", ["a", "b"], "a + b")`. */
  async createFunction(
    db: string,
    name: string,
    parameters: string[],
    body: string,
    opts: CallOptions & { returnType?: string } = {},
  ): Promise<void> {
    await this.#call("createFunction", opts, (o) =>
      this.#rpc.createFunction(
        {
          databaseId: db,
          userId: this.#userId,
          functionName: name,
          functionBody: body,
          parameters,
          returnType: opts.returnType ?? "",
        },
        o,
      ),
    );
  }

  async listExtensions(db: string, opts: CallOptions = {}): Promise<ExtensionInfo[]> {
    const res = await this.#call("listExtensions", opts, (o) =>
      this.#rpc.listExtensions({ databaseId: db, userId: this.#userId }, o),
    );
    return res.extensions.map((e) => ({ ...e }));
  }

  /** Built-in extensions are already loaded; any other is a FailedPreconditionError. */
  async installExtension(db: string, name: string, opts: CallOptions = {}): Promise<void> {
    await this.#call("installExtension", opts, (o) =>
      this.#rpc.installExtension({ databaseId: db, userId: this.#userId, extensionName: name }, o),
    );
  }

  // ---- object storage

  /**
   * Loads a stored object into a table, creating the table from the file's columns
   * unless `createTable: false`. The counterpart of the integration guide's
   * `import_from_storage(db_id, user_id, table, bucket, key, format='parquet')`.
   */
  async importFromStorage(
    db: string,
    table: string,
    bucket: string,
    key: string,
    opts: CallOptions & {
      /** Default "parquet", as in the guide. */
      format?: DataFormat;
      /** Default true, as in the guide. */
      createTable?: boolean;
      /** Empty the table first. Default false. */
      truncate?: boolean;
      /** Reader options, e.g. CSV `{ header: "true", delimiter: ";" }`. */
      options?: Record<string, string>;
    } = {},
  ): Promise<{ rowsImported: number; executionTimeMs: number }> {
    const res = await this.#call("importFromMinIO", opts, (o) =>
      this.#rpc.importFromMinIO(
        {
          databaseId: db,
          userId: this.#userId,
          tableName: table,
          bucketName: bucket,
          objectKey: key,
          format: opts.format ?? "parquet",
          createTable: opts.createTable ?? true,
          truncate: opts.truncate ?? false,
          options: opts.options ?? {},
        },
        o,
      ),
    );
    return { rowsImported: res.rowsImported, executionTimeMs: res.executionTimeMs };
  }

  /** Writes a query's result to object storage; an existing key needs `overwrite`. */
  async exportToStorage(
    db: string,
    sql: string,
    bucket: string,
    key: string,
    opts: CallOptions & {
      format: DataFormat;
      overwrite?: boolean;
      options?: Record<string, string>;
    },
  ): Promise<{ rowsExported: number; fileSize: number; executionTimeMs: number }> {
    const res = await this.#call("exportToMinIO", opts, (o) =>
      this.#rpc.exportToMinIO(
        {
          databaseId: db,
          userId: this.#userId,
          query: sql,
          bucketName: bucket,
          objectKey: key,
          format: opts.format,
          options: opts.options ?? {},
          overwrite: opts.overwrite ?? false,
        },
        o,
      ),
    );
    return {
      rowsExported: res.rowsExported,
      fileSize: Number(res.fileSize),
      executionTimeMs: res.executionTimeMs,
    };
  }

  /**
   * Runs SQL over a stored file in place; the SQL names the file as the relation
   * `file` (default `SELECT * FROM file`). The service sends no column types for
   * this call, so values are decoded by their wire member alone.
   */
  async queryStorageFile<T = Record<string, unknown>>(
    db: string,
    bucket: string,
    key: string,
    opts: CallOptions & { format: DataFormat; sql?: string; options?: Record<string, string> },
  ): Promise<{ rows: T[]; columns: string[]; executionTimeMs: number }> {
    const res = await this.#call("queryMinIOFile", opts, (o) =>
      this.#rpc.queryMinIOFile(
        {
          databaseId: db,
          userId: this.#userId,
          bucketName: bucket,
          objectKey: key,
          format: opts.format,
          query: opts.sql ?? "",
          options: opts.options ?? {},
        },
        o,
      ),
    );
    const { columns, decode } = createRowDecoder<T>(res.columns, [], this.#decode);
    return {
      rows: res.rows.map(decode),
      columns: columns.map((c) => c.name),
      executionTimeMs: res.executionTimeMs,
    };
  }

  /**
   * Streams a file, buffer or stream straight into a table (created from the data's
   * columns when missing): metadata first, then chunks, with backpressure, so memory
   * stays at about one chunk whatever the size.
   */
  async importData(
    db: string,
    table: string,
    source: ImportSource,
    opts: CallOptions & {
      format: DataFormat;
      options?: Record<string, string>;
      /** Called after each chunk is handed to the transport. */
      onProgress?: (progress: ImportProgress) => void;
      /** Bytes per message. Default 256 KiB. */
      chunkSize?: number;
    },
  ): Promise<{ rowsImported: number; executionTimeMs: number }> {
    const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
    if (!Number.isInteger(chunkSize) || chunkSize <= 0) {
      throw invalidArgument("importData", `chunkSize must be a positive integer, got ${chunkSize}`);
    }
    const opened = await openImportSource(source, chunkSize);
    const total = opened.size;
    const metadata: duckdb.ImportDataMetadata = {
      databaseId: db,
      userId: this.#userId,
      tableName: table,
      format: opts.format,
      totalSize: BigInt(total ?? 0),
      options: opts.options ?? {},
    };
    const onProgress = opts.onProgress;
    async function* messages(): AsyncGenerator<duckdb.ImportDataRequest> {
      yield { payload: { $case: "metadata", value: metadata } };
      let bytes = 0;
      for await (const chunk of opened.chunks) {
        yield { payload: { $case: "chunk", value: chunk } };
        bytes += chunk.byteLength;
        onProgress?.(total === undefined ? { bytes } : { bytes, total });
      }
    }
    const res = await this.#call("importData", opts, (o) => this.#rpc.importData(messages(), o));
    return { rowsImported: res.rowsImported, executionTimeMs: res.executionTimeMs };
  }

  // ---- service

  /** Needs no token. With `databaseId`, also checks that the database opens. */
  async healthCheck(
    opts: CallOptions & { databaseId?: string; detailed?: boolean } = {},
  ): Promise<HealthStatus> {
    const res = await this.#call("healthCheck", opts, (o) =>
      this.#rpc.healthCheck(
        { databaseId: opts.databaseId ?? "", detailed: opts.detailed ?? false },
        o,
      ),
    );
    return {
      healthy: res.healthy,
      status: res.status,
      ...optionalDate("timestamp", res.timestamp),
      ...(res.details ? { details: res.details } : {}),
    };
  }

  async getMetrics(opts: CallOptions & { databaseId?: string } = {}): Promise<Metrics> {
    const res = await this.#call("getMetrics", opts, (o) =>
      this.#rpc.getMetrics({ databaseId: opts.databaseId ?? "" }, o),
    );
    return {
      totalQueries: Number(res.totalQueries),
      activeConnections: Number(res.activeConnections),
      avgQueryTimeMs: res.avgQueryTimeMs,
      cacheHits: Number(res.cacheHits),
      cacheMisses: Number(res.cacheMisses),
      ...(res.metrics ? { metrics: res.metrics } : {}),
    };
  }

  // ---- the integration guide's operations

  /**
   * The guide's `analyze_data(db_id, user_id, query)`: runs a query and returns its
   * rows as objects. `userId` is sent as the request's user_id (it must be the
   * token's subject; undefined or "" means the token's).
   */
  async analyzeData(
    dbId: string,
    userId: string | undefined,
    sql: string,
  ): Promise<Record<string, unknown>[]> {
    const res = await this.#call("executeQuery", {}, (o) =>
      this.#rpc.executeQuery(
        {
          databaseId: dbId,
          userId: userId ?? "",
          query: sql,
          parameters: {},
          maxRows: 0,
          timeoutSeconds: 0,
          explain: false,
        },
        o,
      ),
    );
    const { decode } = createRowDecoder(res.columns, res.columnTypes, this.#decode);
    return res.rows.map(decode);
  }

  /** Closes the channels; calls in flight are cancelled. */
  close(): void {
    this.#rpc.close();
  }

  // ---- plumbing

  #encode(method: keyof Service["methods"], params: Params | undefined) {
    try {
      return encodeParameters(params);
    } catch (err) {
      if (err instanceof ParameterError) throw invalidArgument(method, err.message);
      throw err;
    }
  }

  #queryRequest(
    method: "executeQuery" | "executeQueryStream",
    db: string,
    sql: string,
    params: Params | undefined,
    opts: QueryOptions,
  ): duckdb.ExecuteQueryRequest {
    return {
      databaseId: db,
      userId: this.#userId,
      query: sql,
      parameters: this.#encode(method, params),
      maxRows: checkedInt(method, "maxRows", opts.maxRows),
      timeoutSeconds: checkedInt(method, "timeoutSeconds", opts.timeoutSeconds),
      explain: false,
    };
  }

  /**
   * One unary call. Errors are typed by @isa-cloud/rpc's middleware already; this adds
   * `success: false` from older servers, which report failures in the body instead of
   * a status.
   */
  async #call<R extends { success: boolean; error?: string }>(
    method: keyof Service["methods"],
    opts: CallOptions,
    run: (o: CallOptions) => Promise<R>,
  ): Promise<R> {
    const res = await run(callOptionsOf(opts));
    if (!res.success && res.error) throw failedInBody(method, res.error);
    return res;
  }

  async *#rowBatches<T>(
    request: duckdb.ExecuteQueryRequest,
    callOptions: CallOptions,
    decodeOptions: DecodeOptions,
  ): AsyncGenerator<QueryBatch<T>> {
    let decoder: ReturnType<typeof createRowDecoder<T>> | undefined;
    for await (const chunk of this.#rpc.executeQueryStream(request, callOptions)) {
      if (!chunk.success && chunk.error) throw failedInBody("executeQueryStream", chunk.error);
      decoder ??= createRowDecoder<T>(chunk.columns, chunk.columnTypes, decodeOptions);
      const rows = chunk.rows;
      const out = new Array<T>(rows.length);
      for (let i = 0; i < rows.length; i++) out[i] = decoder.decode(rows[i]!);
      yield { columns: decoder.columns, rows: out };
    }
  }

  /**
   * With `fallback`, a service without ExecuteQueryColumnar (UNIMPLEMENTED, which can
   * only come before the first chunk) gets the row-by-row call instead, and this
   * client remembers not to ask again.
   */
  async *#columnarBatches<T>(
    request: duckdb.ExecuteQueryRequest,
    callOptions: CallOptions,
    decodeOptions: DecodeOptions,
    fallback: boolean,
  ): AsyncGenerator<QueryBatch<T>> {
    const chunks = this.#rpc.executeQueryColumnar(request, callOptions)[Symbol.asyncIterator]();
    try {
      let next: IteratorResult<duckdb.ColumnarChunk>;
      try {
        next = await chunks.next();
      } catch (err) {
        if (fallback && err instanceof StorageError && err.code === Status.UNIMPLEMENTED) {
          this.#columnar = false;
          yield* this.#rowBatches<T>(request, callOptions, decodeOptions);
          return;
        }
        throw err;
      }
      this.#columnar = true;
      let decoder: ReturnType<typeof createColumnarDecoder<T>> | undefined;
      while (!next.done) {
        const chunk = next.value;
        decoder ??= createColumnarDecoder<T>(chunk.columns, chunk.columnTypes, decodeOptions);
        yield { columns: decoder.columns, rows: decoder.decode(chunk) };
        next = await chunks.next();
      }
    } finally {
      // Leaving early cancels the call (nice-grpc cancels on return()).
      await chunks.return?.();
    }
  }
}

export function createDuckdbClient(options: DuckdbClientOptions): DuckdbClient {
  return new DuckdbClient(options);
}

/**
 * Only the options given: an explicit `deadline: undefined` would switch off the
 * client's default deadline.
 */
function callOptionsOf(opts: CallOptions): CallOptions {
  const out: CallOptions = {};
  if (opts.signal) out.signal = opts.signal;
  if (opts.deadline !== undefined) out.deadline = opts.deadline;
  return out;
}

function invalidArgument(method: keyof Service["methods"], message: string): Error {
  return new InvalidArgumentError(methodPath(method), Status.INVALID_ARGUMENT, message);
}

function failedInBody(method: keyof Service["methods"], message: string): Error {
  return new StorageError(methodPath(method), Status.UNKNOWN, message);
}

function required<T>(method: keyof Service["methods"], value: T | undefined, field: string): T {
  if (value === undefined) {
    throw new StorageError(methodPath(method), Status.INTERNAL, `the response has no ${field}`);
  }
  return value;
}

function checkedInt(method: keyof Service["methods"], name: string, value: number | undefined) {
  if (value === undefined) return 0;
  if (!Number.isInteger(value) || value < 0 || value > 2 ** 31 - 1) {
    throw invalidArgument(method, `${name} must be a whole number from 0 to 2^31-1, got ${value}`);
  }
  return value;
}

function pickTimestamps(opts: QueryOptions): DecodeOptions {
  return opts.timestamps ? { timestamps: opts.timestamps } : {};
}

function optionalDate<K extends string>(key: K, ts: Timestamp | undefined): { [P in K]?: Date } {
  return (ts ? { [key]: timestampToDate(ts) } : {}) as { [P in K]?: Date };
}

function toDatabaseInfo(info: duckdb.DatabaseInfo): DatabaseInfo {
  return {
    databaseId: info.databaseId,
    databaseName: info.databaseName,
    userId: info.userId,
    organizationId: info.organizationId,
    sizeBytes: Number(info.sizeBytes),
    tableCount: info.tableCount,
    ...optionalDate("createdAt", info.createdAt),
    ...optionalDate("lastAccessed", info.lastAccessed),
    metadata: { ...info.metadata },
    version: info.version,
  };
}

function toTableInfo(info: duckdb.TableInfo): TableInfo {
  return {
    tableName: info.tableName,
    schemaName: info.schemaName,
    columns: info.columns.map((c) => ({
      name: c.name,
      type: c.dataType,
      nullable: c.nullable,
      defaultValue: c.defaultValue,
      isPrimaryKey: c.isPrimaryKey,
      isUnique: c.isUnique,
      comment: c.comment,
    })),
    rowCount: Number(info.rowCount),
    sizeBytes: Number(info.sizeBytes),
    tableType: info.tableType,
    ...optionalDate("createdAt", info.createdAt),
    comment: info.comment,
  };
}
