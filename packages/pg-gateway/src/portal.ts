import { type CatalogAnswer, type CatalogContext, catalogAnswer } from "./catalog/index.js";
import type { CommandKind } from "./command-tag.js";
import { pgTypeOf } from "./pg-types.js";
import type { StatementResult } from "./statement-result.js";

/** A parsed statement: Parse's, or one statement of a simple Query. */
export interface Prepared {
  sql: string;
  paramTypes: number[];
  kind: CommandKind;
}

/** A statement with its parameters bound, ready to run (or running). */
export interface Portal {
  statement: Prepared;
  params: Record<string, unknown>;
  /** Set once the statement runs (at Describe or the first Execute). */
  result?: StatementResult;
  /** An answer of the gateway itself (SET, SHOW, BEGIN...), run at Execute. */
  local?: CatalogAnswer | "transaction";
  /** The SQL to run: the statement's, or the catalog's rewrite of it. */
  sql: string;
}

/** A portal for `statement` with `params`, after the compatibility layer has had its say. */
export async function portalFor(
  statement: Prepared,
  params: Record<string, unknown>,
  catalog: CatalogContext,
): Promise<Portal> {
  const portal: Portal = { statement, params, sql: statement.sql };
  if (["BEGIN", "COMMIT", "ROLLBACK"].includes(statement.kind.tag)) {
    portal.local = "transaction";
    return portal;
  }
  const answer = await catalogAnswer(statement.sql, catalog);
  if (answer?.kind === "sql") portal.sql = answer.sql;
  else if (answer) portal.local = answer;
  return portal;
}

/** RowDescription fields of rows the gateway answers itself. */
export function localFields(answer: Extract<CatalogAnswer, { kind: "rows" }>) {
  return answer.columns.map((c) => {
    const t = pgTypeOf(c.type);
    return { name: c.name, oid: t.oid, typlen: t.typlen, typmod: t.typmod };
  });
}
