import { StatementType } from "@duckdb/node-api";
import type { duckdb } from "@isa-cloud/proto";
import { ServerError, Status } from "nice-grpc";
import {
  columnStats,
  countRows,
  query,
  relationType,
  tableBytes,
  tableInfo,
} from "../engine/catalog.js";
import {
  assertSingleStatement,
  qualified,
  quoteIdent,
  relationRef,
  sqlString,
} from "../engine/sql-text.js";
import { checkSqlText } from "../engine/statement-policy.js";
import { inTransaction } from "../engine/transactions.js";
import { type Impl, onDatabase, type ServiceContext } from "./service-context.js";

/** CreateTable, ListTables, DropTable, GetTableSchema, GetTableStats. */
export function tableMethods(
  ctx: ServiceContext,
): Pick<Impl, "createTable" | "listTables" | "dropTable" | "getTableSchema" | "getTableStats"> {
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
      // Types and defaults are SQL: a default calling current_setting() would store a path.
      checkSqlText(create);
      return onDatabase(ctx, context, request, async (conn, guard, markDirty) => {
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
      return onDatabase(ctx, context, request, async (conn, guard) => {
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
      return onDatabase(ctx, context, request, async (conn, guard, markDirty) => {
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
      return onDatabase(ctx, context, request, async (conn, guard) => {
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
      return onDatabase(ctx, context, request, async (conn, guard) => {
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
  };
}
