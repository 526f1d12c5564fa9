import { type duckdb, type Timestamp, timestampToDate } from "@isa-cloud/proto";
import type {
  BatchResult,
  ColumnDefinition,
  DatabaseInfo,
  HealthStatus,
  Metrics,
  TableInfo,
  TableStats,
} from "./types.js";
import { type DecodeOptions, untypedDecoder } from "./value-decoder.js";

// An absent timestamp leaves the key out, so `"createdAt" in info` tells whether the
// service knew it.
export function optionalDate<K extends string>(
  key: K,
  ts: Timestamp | undefined,
): { [P in K]?: Date } {
  return (ts ? { [key]: timestampToDate(ts) } : {}) as { [P in K]?: Date };
}

export function toDatabaseInfo(info: duckdb.DatabaseInfo): DatabaseInfo {
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

export function toTableInfo(info: duckdb.TableInfo): TableInfo {
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

/** The message's column, with the table's primary keys marked on it. */
export function fromColumnDefinition(
  c: ColumnDefinition,
  primaryKeys: readonly string[] | undefined,
): duckdb.ColumnInfo {
  return {
    name: c.name,
    dataType: c.type,
    nullable: c.nullable ?? true,
    defaultValue: c.defaultValue ?? "",
    isPrimaryKey: primaryKeys?.includes(c.name) ?? false,
    isUnique: c.unique ?? false,
    comment: c.comment ?? "",
  };
}

/** The service sends no type name with statistics, so min and max decode by value alone. */
export function toTableStats(stats: duckdb.TableStats, decodeOptions: DecodeOptions): TableStats {
  const decode = untypedDecoder(decodeOptions);
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

export function toBatchResult(res: duckdb.ExecuteBatchResponse): BatchResult {
  return {
    results: res.results.map((r) => ({
      success: r.success,
      affectedRows: r.affectedRows,
      error: r.error,
    })),
    totalExecutionTimeMs: res.totalExecutionTimeMs,
  };
}

export function toHealthStatus(res: duckdb.HealthCheckResponse): HealthStatus {
  return {
    healthy: res.healthy,
    status: res.status,
    ...optionalDate("timestamp", res.timestamp),
    ...(res.details ? { details: res.details } : {}),
  };
}

export function toMetrics(res: duckdb.GetMetricsResponse): Metrics {
  return {
    totalQueries: Number(res.totalQueries),
    activeConnections: Number(res.activeConnections),
    avgQueryTimeMs: res.avgQueryTimeMs,
    cacheHits: Number(res.cacheHits),
    cacheMisses: Number(res.cacheMisses),
    ...(res.metrics ? { metrics: res.metrics } : {}),
  };
}
