import { type DuckDBConnection, StatementType } from "@duckdb/node-api";
import { ServerError, Status } from "nice-grpc";
import type { QueryGuard } from "./query-guard.js";

/** A DuckDB string literal; only ever used for paths and values the service itself makes. */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A quoted DuckDB identifier: any name, no way out of the quotes. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A table or view named by a request: "name" (schema main) or "schema.name". */
export interface RelationRef {
  schema: string;
  name: string;
}

export function relationRef(text: string, field: string): RelationRef {
  if (!text || text.length > 255 || text.includes("\0")) {
    throw new ServerError(
      Status.INVALID_ARGUMENT,
      `${field} must be 1 to 255 characters without NUL, got ${JSON.stringify(text)}`,
    );
  }
  const dot = /^([A-Za-z_][A-Za-z0-9_]*)\.([^.]+)$/.exec(text);
  return dot ? { schema: dot[1]!, name: dot[2]! } : { schema: "main", name: text };
}

export function qualified(ref: RelationRef): string {
  return `${quoteIdent(ref.schema)}.${quoteIdent(ref.name)}`;
}

/** The text of a user query without trailing semicolons, ready to be wrapped. */
export function bareQuery(sql: string): string {
  return sql.trim().replace(/[;\s]+$/, "");
}

/**
 * Checks that `sql` is exactly one statement of `type` (prepared, not run): what the
 * service builds around user-given fragments (a column type, a DEFAULT, a view's query)
 * must stay the single statement it was meant to be.
 */
export async function assertSingleStatement(
  conn: DuckDBConnection,
  guard: QueryGuard,
  sql: string,
  type: StatementType,
  what: string,
): Promise<void> {
  const extracted = await guard.run(() => conn.extractStatements(sql));
  if (extracted.count !== 1) {
    throw new ServerError(
      Status.INVALID_ARGUMENT,
      `${what} must be a single statement's part; it makes ${extracted.count} statements`,
    );
  }
  const prepared = await guard.run(() => extracted.prepare(0));
  try {
    if (prepared.statementType !== type) {
      throw new ServerError(
        Status.INVALID_ARGUMENT,
        `${what} must be a ${StatementType[type]} statement, got ${StatementType[prepared.statementType]}`,
      );
    }
  } finally {
    prepared.destroySync();
  }
}
