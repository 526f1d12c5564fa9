import { toBatchResult } from "./convert.js";
import { assertSuccess } from "./errors.js";
import { encodeParams, type Params, queryDecodeOptions, queryRequest } from "./query-request.js";
import { createRowDecoder } from "./row-decoder.js";
import { type ClientContext, callOptions } from "./rpc-context.js";
import type {
  BatchResult,
  CallOptions,
  QueryOptions,
  QueryResult,
  StatementResult,
} from "./types.js";

export interface ExecuteBatchOptions extends CallOptions {
  /** Run the statements in one transaction, rolled back if any fails. Default false. */
  transaction?: boolean;
}

export interface PreparedStatement {
  statementId: string;
  /** DuckDB's type name of each parameter. */
  parameterTypes: string[];
}

export async function query<T>(
  ctx: ClientContext,
  db: string,
  sql: string,
  params: Params | undefined,
  opts: QueryOptions,
): Promise<QueryResult<T>> {
  const request = queryRequest(ctx, "executeQuery", db, sql, params, opts);
  const res = assertSuccess("executeQuery", await ctx.rpc.executeQuery(request, callOptions(opts)));
  const { columns, decode } = createRowDecoder<T>(
    res.columns,
    res.columnTypes,
    queryDecodeOptions(ctx, opts),
  );
  return { rows: res.rows.map(decode), columns, executionTimeMs: res.executionTimeMs };
}

export async function explain(
  ctx: ClientContext,
  db: string,
  sql: string,
  params: Params | undefined,
  opts: CallOptions,
): Promise<string> {
  const request = { ...queryRequest(ctx, "executeQuery", db, sql, params, {}), explain: true };
  const res = assertSuccess("executeQuery", await ctx.rpc.executeQuery(request, callOptions(opts)));
  return res.queryPlan;
}

export async function execute(
  ctx: ClientContext,
  db: string,
  sql: string,
  params: Params | undefined,
  opts: CallOptions,
): Promise<StatementResult> {
  const parameters = encodeParams("executeStatement", params);
  const res = assertSuccess(
    "executeStatement",
    await ctx.rpc.executeStatement(
      { databaseId: db, userId: ctx.userId, statement: sql, parameters },
      callOptions(opts),
    ),
  );
  return { affectedRows: res.affectedRows, executionTimeMs: res.executionTimeMs };
}

export async function executeBatch(
  ctx: ClientContext,
  db: string,
  statements: string[],
  opts: ExecuteBatchOptions,
): Promise<BatchResult> {
  const res = assertSuccess(
    "executeBatch",
    await ctx.rpc.executeBatch(
      {
        databaseId: db,
        userId: ctx.userId,
        statements,
        transaction: opts.transaction ?? false,
      },
      callOptions(opts),
    ),
  );
  return toBatchResult(res);
}

export async function prepare(
  ctx: ClientContext,
  db: string,
  sql: string,
  opts: CallOptions,
): Promise<PreparedStatement> {
  const res = assertSuccess(
    "prepareStatement",
    await ctx.rpc.prepareStatement(
      { databaseId: db, userId: ctx.userId, statement: sql },
      callOptions(opts),
    ),
  );
  return { statementId: res.statementId, parameterTypes: res.parameterTypes };
}

/** The guide's analyze_data: its own `userId`, optional bound parameters, no options. */
export async function analyzeData(
  ctx: ClientContext,
  dbId: string,
  userId: string | undefined,
  sql: string,
  params?: Params,
): Promise<Record<string, unknown>[]> {
  const res = assertSuccess(
    "executeQuery",
    await ctx.rpc.executeQuery({
      databaseId: dbId,
      userId: userId ?? "",
      query: sql,
      parameters: encodeParams("executeQuery", params),
      maxRows: 0,
      timeoutSeconds: 0,
      explain: false,
      readOnly: false,
    }),
  );
  const { decode } = createRowDecoder(res.columns, res.columnTypes, ctx.decode);
  return res.rows.map(decode);
}
