import type { DuckDBConnection, DuckDBValue } from "@duckdb/node-api";
import type { duckdb } from "@isa-cloud/proto";
import { ServerError, Status } from "nice-grpc";
import type { QueryGuard } from "./query-guard.js";
import { qualified, quoteIdent, type RelationRef } from "./sql-text.js";
import { encodeValue, NULL_VALUE } from "./value-encoding.js";

// What the service asks a database about its own tables, views and columns. Every name
// is bound as a parameter or quoted, never pasted.

/** Tables of the database itself (not temporary ones), as the registry records them. */
export async function countTables(conn: DuckDBConnection): Promise<number> {
  const reader = await conn.runAndReadAll(
    "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND NOT temporary",
  );
  return Number(reader.getRows()[0]?.[0] ?? 0);
}

export async function query(
  conn: DuckDBConnection,
  guard: QueryGuard,
  sql: string,
  params?: Record<string, DuckDBValue>,
): Promise<DuckDBValue[][]> {
  const reader = await guard.run(() => conn.runAndReadAll(sql, params));
  return reader.getRows();
}

/** "BASE TABLE", "VIEW" or undefined, as information_schema says. */
export async function relationType(
  conn: DuckDBConnection,
  guard: QueryGuard,
  ref: RelationRef,
): Promise<string | undefined> {
  const rows = await query(
    conn,
    guard,
    `SELECT table_type FROM information_schema.tables
      WHERE table_catalog = current_database() AND table_schema = $schema AND table_name = $name`,
    { schema: ref.schema, name: ref.name },
  );
  return rows[0] ? String(rows[0][0]) : undefined;
}

export async function countRows(
  conn: DuckDBConnection,
  guard: QueryGuard,
  ref: RelationRef,
): Promise<number> {
  const rows = await query(conn, guard, `SELECT count(*) FROM ${qualified(ref)}`);
  return Number(rows[0]?.[0] ?? 0);
}

/**
 * Bytes of the blocks holding the table's checkpointed data, from DuckDB's storage info.
 * pragma_storage_info parses its argument as a qualified name and has no escape for a
 * double quote inside one, so such tables report 0 rather than someone else's size.
 */
export async function tableBytes(
  conn: DuckDBConnection,
  guard: QueryGuard,
  ref: RelationRef,
): Promise<number> {
  if (ref.schema.includes('"') || ref.name.includes('"')) return 0;
  const rows = await query(
    conn,
    guard,
    `SELECT count(DISTINCT block_id) FILTER (WHERE persistent) * (SELECT any_value(block_size) FROM pragma_database_size())
       FROM pragma_storage_info($table)`,
    { table: qualified(ref) },
  );
  return Number(rows[0]?.[0] ?? 0);
}

export async function tableInfo(
  conn: DuckDBConnection,
  guard: QueryGuard,
  ref: RelationRef,
): Promise<duckdb.TableInfo | undefined> {
  const type = await relationType(conn, guard, ref);
  if (!type) return undefined;
  const params = { schema: ref.schema, name: ref.name };
  const columns = await query(
    conn,
    guard,
    `SELECT column_name, data_type, is_nullable, coalesce(column_default, ''), coalesce(comment, '')
       FROM duckdb_columns()
      WHERE database_name = current_database() AND schema_name = $schema AND table_name = $name
      ORDER BY column_index`,
    params,
  );
  const constraints = await query(
    conn,
    guard,
    `SELECT constraint_type, constraint_column_names FROM duckdb_constraints()
      WHERE database_name = current_database() AND schema_name = $schema AND table_name = $name
        AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')`,
    params,
  );
  const keyed = (kind: string) =>
    new Set(
      constraints
        .filter(([t]) => t === kind)
        .flatMap(([, cols]) => (cols as { items: DuckDBValue[] }).items.map(String)),
    );
  const primary = keyed("PRIMARY KEY");
  const unique = keyed("UNIQUE");
  const comment = await query(
    conn,
    guard,
    `SELECT coalesce(comment, '') FROM duckdb_tables()
      WHERE database_name = current_database() AND schema_name = $schema AND table_name = $name
     UNION ALL
     SELECT coalesce(comment, '') FROM duckdb_views()
      WHERE database_name = current_database() AND schema_name = $schema AND view_name = $name`,
    params,
  );
  const isTable = type === "BASE TABLE";
  return {
    tableName: ref.name,
    schemaName: ref.schema,
    tableType: type,
    columns: columns.map(([name, dataType, nullable, defaultValue, columnComment]) => ({
      name: String(name),
      dataType: String(dataType),
      nullable: nullable === true,
      defaultValue: String(defaultValue),
      isPrimaryKey: primary.has(String(name)),
      isUnique: unique.has(String(name)),
      comment: String(columnComment),
    })),
    rowCount: BigInt(isTable ? await countRows(conn, guard, ref) : 0),
    sizeBytes: BigInt(isTable ? await tableBytes(conn, guard, ref) : 0),
    comment: String(comment[0]?.[0] ?? ""),
  };
}

/** Distinct, min, max and NULL counts of one column; min/max stay unset for types without an order. */
export async function columnStats(
  conn: DuckDBConnection,
  guard: QueryGuard,
  ref: RelationRef,
  column: string,
  rowCount: number,
): Promise<duckdb.ColumnStats> {
  const c = quoteIdent(column);
  const counts = await query(
    conn,
    guard,
    `SELECT count(${c}), count(DISTINCT ${c}) FROM ${qualified(ref)}`,
  );
  const nonNull = Number(counts[0]?.[0] ?? 0);
  const stats: duckdb.ColumnStats = {
    columnName: column,
    distinctCount: BigInt(Number(counts[0]?.[1] ?? 0)),
    nullCount: BigInt(rowCount - nonNull),
    minValue: NULL_VALUE,
    maxValue: NULL_VALUE,
  };
  try {
    const reader = await guard.run(() =>
      conn.runAndReadAll(`SELECT min(${c}), max(${c}) FROM ${qualified(ref)}`),
    );
    const [type] = reader.columnTypes();
    const [min, max] = reader.getRows()[0] ?? [];
    if (type) {
      stats.minValue = encodeValue(min ?? null, type);
      stats.maxValue = encodeValue(max ?? null, type);
    }
  } catch (err) {
    if (!(err instanceof ServerError) || err.code !== Status.INVALID_ARGUMENT) throw err;
  }
  return stats;
}
