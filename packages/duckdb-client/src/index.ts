// The typed errors this client throws, re-exported so one import covers both; the list
// lives in one place, @isa-cloud/rpc/errors.
export * from "@isa-cloud/rpc/errors";
export type { ColumnVector, KindOf, VectorKind } from "./column-vector.js";
export { createDuckdbClient, DuckdbClient } from "./duckdb-client.js";
export type { DuckdbField, DuckdbType } from "./duckdb-type.js";
export { parseDuckdbType } from "./duckdb-type.js";
export type { ImportSource } from "./import-source.js";
export { QueryStream } from "./query-stream.js";
export type { Column } from "./row-decoder.js";
export type {
  BatchResult,
  CallOptions,
  ColumnBatch,
  ColumnDefinition,
  ColumnInfo,
  ColumnStats,
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
export type { Interval, TimestampMode } from "./value-decoder.js";
export { asJson, JsonParameter } from "./value-encoder.js";
