import type { QueryBatch } from "@isa-cloud/duckdb-client";
import { NotFoundError } from "@isa-cloud/rpc/wire";
import { as, type CallerContext } from "./caller-context.js";
import { invalidArgument, notFound } from "./errors.js";
import { toJsonRow } from "./json-values.js";
import { analyticsDatabaseId } from "./names.js";
import type { ReadOnlyQueryResult } from "./service-types.js";

/**
 * Runs one read-only statement (SELECT, WITH, VALUES, SHOW, DESCRIBE, ...) on the
 * user's own database, with optional $parameters. Anything that would write,
 * attach, set, copy or load is refused by the analytics service before it runs
 * (ExecuteQueryRequest.read_only).
 */
export async function query(
  ctx: CallerContext,
  userId: string,
  sql: string,
  params: Record<string, unknown> = {},
  options: { maxRows?: number } = {},
): Promise<ReadOnlyQueryResult> {
  if (typeof sql !== "string" || sql.trim() === "") throw invalidArgument("sql must not be empty");
  checkParameterNames(params);
  const maxRows = Math.min(options.maxRows ?? ctx.queryMaxRows, ctx.queryMaxRows);
  const caller = as(ctx, userId);
  const db = analyticsDatabaseId(userId);
  const duckdb = caller.duckdb;
  try {
    // The analytics service classifies the statement itself (read_only) and refuses
    // anything that would write; one row beyond the limit tells whether there were more.
    const result = await duckdb.query(db, sql, params, { maxRows: maxRows + 1, readOnly: true });
    const truncated = result.rows.length > maxRows;
    return {
      columns: result.columns.map((c) => ({ name: c.name, type: c.type })),
      rows: result.rows.slice(0, maxRows).map(toJsonRow),
      truncated,
      execution_time_ms: result.executionTimeMs,
    };
  } catch (err) {
    if (err instanceof NotFoundError) throw noDatabase();
    throw err;
  }
}

/**
 * `query` without a row limit, streamed: the result's chunks as the analytics service
 * sends them (with flow control, so a slow reader slows the query, never fills memory).
 * Same read-only rule and errors as `query`; leaving the loop or aborting `signal`
 * stops the query.
 */
export async function* queryBatches(
  ctx: CallerContext,
  userId: string,
  sql: string,
  params: Record<string, unknown> = {},
  options: { signal?: AbortSignal; maxRows?: number } = {},
): AsyncGenerator<QueryBatch<Record<string, unknown>>, void, undefined> {
  if (typeof sql !== "string" || sql.trim() === "") throw invalidArgument("sql must not be empty");
  checkParameterNames(params);
  const caller = as(ctx, userId);
  const stream = caller.duckdb.queryStream(analyticsDatabaseId(userId), sql, params, {
    readOnly: true,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.maxRows ? { maxRows: options.maxRows } : {}),
  });
  try {
    yield* stream.batches();
  } catch (err) {
    if (err instanceof NotFoundError) throw noDatabase();
    throw err;
  }
}

function checkParameterNames(params: Record<string, unknown>): void {
  for (const name of Object.keys(params)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw invalidArgument(`parameter name "${name}" must be letters, digits and "_"`);
    }
  }
}

function noDatabase() {
  return notFound(
    "you have no analytics database yet: import a file (POST /api/v1/data/import) first",
  );
}
