import { StatementType } from "@duckdb/node-api";
import { ServerError, Status } from "nice-grpc";
import { query, relationType } from "../engine/catalog.js";
import {
  assertSingleStatement,
  bareQuery,
  qualified,
  quoteIdent,
  relationRef,
} from "../engine/sql-text.js";
import { checkSqlText } from "../engine/statement-policy.js";
import { type Impl, onDatabase, type ServiceContext } from "./service-context.js";

/** CreateView, ListViews, DropView, CreateFunction (a macro). */
export function viewMethods(
  ctx: ServiceContext,
): Pick<Impl, "createView" | "listViews" | "dropView" | "createFunction"> {
  return {
    async createView(request, context) {
      const ref = relationRef(request.viewName, "view_name");
      if (!request.query.trim()) throw new ServerError(Status.INVALID_ARGUMENT, "query is empty");
      checkSqlText(request.query);
      return onDatabase(ctx, context, request, async (conn, guard, markDirty) => {
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
      return onDatabase(ctx, context, request, async (conn, guard) => {
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
      return onDatabase(ctx, context, request, async (conn, guard, markDirty) => {
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
      checkSqlText(create);
      return onDatabase(ctx, context, request, async (conn, guard, markDirty) => {
        await assertSingleStatement(conn, guard, create, StatementType.CREATE, "function_body");
        await guard.run(() => conn.run(create));
        markDirty();
        return { success: true, message: `function ${ref.name} created` };
      });
    },
  };
}
