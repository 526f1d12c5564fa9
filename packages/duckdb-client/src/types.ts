import type { ClientOptions } from "@isa-cloud/rpc/client";
import type { ColumnVector } from "./column-vector.js";
import type { Column } from "./row-decoder.js";
import type { TimestampMode } from "./value-decoder.js";

export interface DuckdbClientOptions extends ClientOptions {
  /**
   * Sent as `user_id` in every request. Default "": the service takes the user from
   * the token (a non-empty value must equal the token's subject). Example: `{ userId: "u1" }`.
   */
  userId?: string;
  /**
   * How TIMESTAMP values come back: "date" (default, a `Date`, millisecond precision)
   * or "micros" (a bigint of microseconds since the epoch, exact). Example: `{ timestamps: "micros" }`.
   */
  timestamps?: TimestampMode;
}

/** Options every method takes as its last argument. */
export interface CallOptions {
  /** Cancels the call; the promise rejects with an AbortError. */
  signal?: AbortSignal;
  /** A Date, or milliseconds from now. Default: the client's `defaultDeadlineMs`. */
  deadline?: Date | number;
}

export interface DatabaseInfo {
  databaseId: string;
  databaseName: string;
  userId: string;
  organizationId: string;
  sizeBytes: number;
  tableCount: number;
  createdAt?: Date;
  lastAccessed?: Date;
  metadata: Record<string, string>;
  /** DuckDB version that wrote the file. */
  version: string;
}

export interface QueryOptions extends CallOptions {
  /** Stop after this many rows. Default 0: no limit. */
  maxRows?: number;
  /** Interrupt the query on the server after this long. Default 0: the service default. */
  timeoutSeconds?: number;
  /** Overrides the client's `timestamps` for this query. */
  timestamps?: TimestampMode;
  /**
   * Have the service refuse, with InvalidArgumentError, any statement its own classifier
   * does not find read-only (SELECT, EXPLAIN, DESCRIBE, ...): for running SQL written by
   * someone else under a promise that it only reads. The service decides, so nothing here
   * parses SQL. Default false. Example: `{ readOnly: true }`.
   */
  readOnly?: boolean;
}

export interface StreamOptions extends QueryOptions {
  /**
   * How rows travel: "columnar" (ExecuteQueryColumnar, packed vectors: fast), "rows"
   * (ExecuteQueryStream, one Value per cell: what every isA server has), or "auto"
   * (default): columnar, falling back to rows on a service without it.
   */
  transport?: "auto" | "columnar" | "rows";
}

export interface QueryResult<T> {
  rows: T[];
  /** Each column's key in the row objects and its DuckDB type name. */
  columns: Column[];
  executionTimeMs: number;
}

/** One chunk of a streamed result, as the service sent it (it may hold no rows). */
export interface QueryBatch<T> {
  columns: Column[];
  rows: T[];
}

/** One chunk of a streamed result, column by column (`QueryStream.columnBatches()`). */
export interface ColumnBatch {
  columns: Column[];
  /** Rows in this chunk (it may hold none). */
  rowCount: number;
  /** One per column, in column order. */
  vectors: ColumnVector[];
}

export interface StatementResult {
  affectedRows: number;
  executionTimeMs: number;
}

export interface BatchResult {
  results: Array<{ success: boolean; affectedRows: number; error: string }>;
  totalExecutionTimeMs: number;
}

export interface ColumnDefinition {
  name: string;
  /** A DuckDB type name, e.g. "INTEGER", "DECIMAL(18,3)", "VARCHAR[]". */
  type: string;
  /** Default true. */
  nullable?: boolean;
  /** A SQL expression. */
  defaultValue?: string;
  unique?: boolean;
  comment?: string;
}

export interface ColumnInfo {
  name: string;
  type: string;
  nullable: boolean;
  defaultValue: string;
  isPrimaryKey: boolean;
  isUnique: boolean;
  comment: string;
}

export interface TableInfo {
  tableName: string;
  schemaName: string;
  columns: ColumnInfo[];
  rowCount: number;
  sizeBytes: number;
  /** "BASE TABLE", "VIEW" or "LOCAL TEMPORARY". */
  tableType: string;
  createdAt?: Date;
  comment: string;
}

export interface ColumnStats {
  columnName: string;
  distinctCount: number;
  /** Decoded by the value alone: the service sends no type name with statistics. */
  min: unknown;
  max: unknown;
  nullCount: number;
}

export interface TableStats {
  tableName: string;
  rowCount: number;
  sizeBytes: number;
  columns: ColumnStats[];
}

export type DataFormat = "csv" | "parquet" | "json";

export interface ImportProgress {
  /** Bytes handed to the transport so far. */
  bytes: number;
  /** Size of the source, when known (files and buffers). */
  total?: number;
}

export interface ExtensionInfo {
  name: string;
  version: string;
  installed: boolean;
  loaded: boolean;
  description: string;
}

export interface HealthStatus {
  healthy: boolean;
  /** "SERVING" or "NOT_SERVING". */
  status: string;
  timestamp?: Date;
  details?: Record<string, unknown>;
}

export interface Metrics {
  totalQueries: number;
  activeConnections: number;
  avgQueryTimeMs: number;
  cacheHits: number;
  cacheMisses: number;
  /** Further figures the service reports. */
  metrics?: Record<string, unknown>;
}
