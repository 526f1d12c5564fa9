import { type DuckDBConnection, type DuckDBValue, StatementType } from "@duckdb/node-api";
import type { DuckDBServiceImplementation, duckdb } from "@isa-cloud/proto";
import { ServerError, Status } from "nice-grpc";
import type { QueryGuard } from "./query-guard.js";
import { sqlString } from "./sandbox.js";
import {
  type Context,
  findDatabase,
  onConnection,
  type ServiceContext,
} from "./service-context.js";
import {
  assertSingleStatement,
  bareQuery,
  qualified,
  quoteIdent,
  type RelationRef,
  relationRef,
} from "./sql-text.js";
import { encodeValue, NULL_VALUE } from "./value-encoding.js";

type Impl = DuckDBServiceImplementation<{ identity: Context["identity"] }>;

/** Tables, views and macros. */
export function tableMethods(
  ctx: ServiceContext,
): Pick<
  Impl,
  | "createTable"
  | "listTables"
  | "dropTable"
  | "getTableSchema"
  | "getTableStats"
  | "createView"
  | "listViews"
  | "dropView"
  | "createFunction"
> {
  /** Runs `fn` on a connection of the request's database. */
  async function withDb<T>(
    context: Context,
    request: { databaseId: string; userId: string },
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

  return {
    async createTable(request, context) {
      const ref = relationRef(request.tableName, "table_name");
      if (request.columns.length === 0) {
        throw new ServerError(Status.INVALID_ARGUMENT, "columns is empty");
      }
      const names = request.columns.map((c) => c.name);
      if (names.some((n) => !n) || new Set(names).size !== names.length) {
        throw new ServerError(
          Status.INVALID_ARGUMENT,
          "column names must be non-empty and distinct",
        );
      }
      const primaryKeys = [
        ...new Set([
          ...request.primaryKeys,
          ...request.columns.filter((c) => c.isPrimaryKey).map((c) => c.name),
        ]),
      ];
      for (const key of primaryKeys) {
        if (!names.includes(key)) {
          throw new ServerError(
            Status.INVALID_ARGUMENT,
            `primary key ${JSON.stringify(key)} is not a column`,
          );
        }
      }
      const definitions = request.columns.map((c) => {
        if (!c.dataType.trim()) {
          throw new ServerError(Status.INVALID_ARGUMENT, `column ${c.name} has no data_type`);
        }
        return [
          `${quoteIdent(c.name)} ${c.dataType}`,
          c.nullable ? "" : " NOT NULL",
          c.defaultValue ? ` DEFAULT (${c.defaultValue})` : "",
          c.isUnique ? " UNIQUE" : "",
        ].join("");
      });
      if (primaryKeys.length > 0) {
        definitions.push(`PRIMARY KEY (${primaryKeys.map(quoteIdent).join(", ")})`);
      }
      const create = `CREATE TABLE ${qualified(ref)} (\n${definitions.join(",\n")}\n)`;
      return withDb(context, request, async (conn, guard, markDirty) => {
        const existing = await tableInfo(conn, guard, ref);
        if (existing) {
          if (request.ifNotExists) {
            return {
              success: true,
              message: `table ${ref.name} already exists`,
              tableInfo: existing,
            };
          }
          throw new ServerError(
            Status.ALREADY_EXISTS,
            `table ${JSON.stringify(request.tableName)} already exists`,
          );
        }
        await assertSingleStatement(
          conn,
          guard,
          create,
          StatementType.CREATE,
          "the column definitions",
        );
        await inTransaction(conn, guard, async () => {
          await guard.run(() => conn.run(create));
          if (request.comment) {
            await guard.run(() =>
              conn.run(`COMMENT ON TABLE ${qualified(ref)} IS ${sqlString(request.comment)}`),
            );
          }
          for (const c of request.columns) {
            if (!c.comment) continue;
            await guard.run(() =>
              conn.run(
                `COMMENT ON COLUMN ${qualified(ref)}.${quoteIdent(c.name)} IS ${sqlString(c.comment)}`,
              ),
            );
          }
        });
        markDirty();
        return {
          success: true,
          message: `table ${ref.name} created`,
          tableInfo: await tableInfo(conn, guard, ref),
        };
      });
    },

    async listTables(request, context) {
      return withDb(context, request, async (conn, guard) => {
        const schema = request.schemaName || "main";
        const rows = await query(
          conn,
          guard,
          `SELECT table_name FROM information_schema.tables
            WHERE table_catalog = current_database() AND table_schema = $schema
              AND contains(table_name, $filter)
            ORDER BY table_name`,
          { schema, filter: request.nameFilter },
        );
        const tables: duckdb.TableInfo[] = [];
        for (const [name] of rows) {
          const info = await tableInfo(conn, guard, { schema, name: String(name) });
          if (info) tables.push(info);
        }
        return { success: true, tables, totalCount: tables.length };
      });
    },

    async dropTable(request, context) {
      const ref = relationRef(request.tableName, "table_name");
      return withDb(context, request, async (conn, guard, markDirty) => {
        const type = await relationType(conn, guard, ref);
        if (type === undefined) {
          if (request.ifExists)
            return { success: true, message: `table ${ref.name} did not exist` };
          throw new ServerError(
            Status.NOT_FOUND,
            `table ${JSON.stringify(request.tableName)} does not exist`,
          );
        }
        if (type !== "BASE TABLE") {
          throw new ServerError(
            Status.INVALID_ARGUMENT,
            `${request.tableName} is a view: use DropView`,
          );
        }
        await guard.run(() =>
          conn.run(`DROP TABLE ${qualified(ref)}${request.cascade ? " CASCADE" : ""}`),
        );
        markDirty();
        return { success: true, message: `table ${ref.name} dropped` };
      });
    },

    async getTableSchema(request, context) {
      const ref = relationRef(request.tableName, "table_name");
      return withDb(context, request, async (conn, guard) => {
        const info = await tableInfo(conn, guard, ref);
        if (!info) {
          throw new ServerError(
            Status.NOT_FOUND,
            `table ${JSON.stringify(request.tableName)} does not exist`,
          );
        }
        return { success: true, tableInfo: info };
      });
    },

    async getTableStats(request, context) {
      const ref = relationRef(request.tableName, "table_name");
      return withDb(context, request, async (conn, guard) => {
        if ((await relationType(conn, guard, ref)) !== "BASE TABLE") {
          throw new ServerError(
            Status.NOT_FOUND,
            `table ${JSON.stringify(request.tableName)} does not exist`,
          );
        }
        const rowCount = await countRows(conn, guard, ref);
        const stats: duckdb.TableStats = {
          tableName: ref.name,
          rowCount: BigInt(rowCount),
          sizeBytes: BigInt(await tableBytes(conn, guard, ref)),
          columnStats: [],
        };
        if (request.includeColumns) {
          const columns = await query(
            conn,
            guard,
            `SELECT column_name FROM duckdb_columns()
              WHERE database_name = current_database() AND schema_name = $schema AND table_name = $name
              ORDER BY column_index`,
            { schema: ref.schema, name: ref.name },
          );
          for (const [column] of columns) {
            stats.columnStats.push(await columnStats(conn, guard, ref, String(column), rowCount));
          }
        }
        return { success: true, stats };
      });
    },

    async createView(request, context) {
      const ref = relationRef(request.viewName, "view_name");
      if (!request.query.trim()) throw new ServerError(Status.INVALID_ARGUMENT, "query is empty");
      return withDb(context, request, async (conn, guard, markDirty) => {
        await assertSingleStatement(
          conn,
          guard,
          request.query,
          StatementType.SELECT,
          "the view's query",
        );
        const type = await relationType(conn, guard, ref);
        if (type === "BASE TABLE" || (type !== undefined && !request.replace)) {
          throw new ServerError(
            Status.ALREADY_EXISTS,
            `${type === "VIEW" ? "view" : "table"} ${JSON.stringify(request.viewName)} already exists${type === "VIEW" ? "; set replace" : ""}`,
          );
        }
        const create = `CREATE OR REPLACE VIEW ${qualified(ref)} AS\n${bareQuery(request.query)}\n`;
        await assertSingleStatement(conn, guard, create, StatementType.CREATE, "the view's query");
        await guard.run(() => conn.run(create));
        markDirty();
        return { success: true, message: `view ${ref.name} ${type ? "replaced" : "created"}` };
      });
    },

    async listViews(request, context) {
      return withDb(context, request, async (conn, guard) => {
        const rows = await query(
          conn,
          guard,
          `SELECT schema_name, view_name FROM duckdb_views()
            WHERE database_name = current_database() AND NOT internal AND NOT temporary
            ORDER BY schema_name, view_name`,
        );
        return {
          success: true,
          views: rows.map(([schema, name]) =>
            schema === "main" ? String(name) : `${schema}.${name}`,
          ),
        };
      });
    },

    async dropView(request, context) {
      const ref = relationRef(request.viewName, "view_name");
      return withDb(context, request, async (conn, guard, markDirty) => {
        if ((await relationType(conn, guard, ref)) !== "VIEW") {
          throw new ServerError(
            Status.NOT_FOUND,
            `view ${JSON.stringify(request.viewName)} does not exist`,
          );
        }
        await guard.run(() => conn.run(`DROP VIEW ${qualified(ref)}`));
        markDirty();
        return { success: true, message: `view ${ref.name} dropped` };
      });
    },

    async createFunction(request, context) {
      const ref = relationRef(request.functionName, "function_name");
      if (!request.functionBody.trim()) {
        throw new ServerError(Status.INVALID_ARGUMENT, "function_body is empty");
      }
      const params = request.parameters;
      if (params.some((p) => !p) || new Set(params).size !== params.length) {
        throw new ServerError(Status.INVALID_ARGUMENT, "parameters must be non-empty and distinct");
      }
      const create =
        `CREATE OR REPLACE MACRO ${qualified(ref)}(${params.map(quoteIdent).join(", ")}) AS\n` +
        `${bareQuery(request.functionBody)}\n`;
      return withDb(context, request, async (conn, guard, markDirty) => {
        await assertSingleStatement(conn, guard, create, StatementType.CREATE, "function_body");
        await guard.run(() => conn.run(create));
        markDirty();
        return { success: true, message: `function ${ref.name} created` };
      });
    },
  };
}

async function query(
  conn: DuckDBConnection,
  guard: QueryGuard,
  sql: string,
  params?: Record<string, DuckDBValue>,
): Promise<DuckDBValue[][]> {
  const reader = await guard.run(() => conn.runAndReadAll(sql, params));
  return reader.getRows();
}

async function inTransaction(conn: DuckDBConnection, guard: QueryGuard, fn: () => Promise<void>) {
  await guard.run(() => conn.run("BEGIN TRANSACTION"));
  try {
    await fn();
    await guard.run(() => conn.run("COMMIT"));
  } catch (err) {
    await conn.run("ROLLBACK").catch(() => {});
    throw err;
  }
}

/** "BASE TABLE", "VIEW" or undefined, as information_schema says. */
async function relationType(
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

async function countRows(
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
async function tableBytes(
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
async function columnStats(
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
