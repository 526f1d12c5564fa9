import { type DuckDBConnection, DuckDBTypeId } from "@duckdb/node-api";
import { type DuckDBServiceImplementation, duckdb } from "@isa-cloud/proto";
import { ServerError, Status } from "nice-grpc";
import type { OpenDatabase } from "./open-database.js";
import { bindParameters } from "./parameter-binding.js";
import { preEncoded } from "./pre-encoded.js";
import { QueryGuard } from "./query-guard.js";
import { checkStatementAllowed } from "./sandbox.js";
import {
  type Context,
  findDatabase,
  int32,
  markWrites,
  onConnection,
  rowBudget,
  type ServiceContext,
  since,
  timeoutOf,
} from "./service-context.js";
import { readBatches, readColumnar, resultColumns, runScript } from "./sql-runner.js";

type Impl = DuckDBServiceImplementation<{ identity: Context["identity"] }>;

/** ExecuteQuery, ExecuteQueryStream, ExecuteStatement, ExecuteBatch, PrepareStatement. */
export function queryMethods(
  ctx: ServiceContext,
): Pick<
  Impl,
  | "executeQuery"
  | "executeQueryStream"
  | "executeQueryColumnar"
  | "executeStatement"
  | "executeBatch"
  | "prepareStatement"
> {
  /** The SQL of a request: its text, or what a PrepareStatement id stands for. */
  function sqlOf(db: OpenDatabase, text: string, field: string): string {
    if (!text.trim()) throw new ServerError(Status.INVALID_ARGUMENT, `${field} is empty`);
    const prepared = ctx.prepared.resolve(db.key, text);
    if (!prepared) return text;
    if ("unknown" in prepared) {
      throw new ServerError(
        Status.NOT_FOUND,
        "prepared statement id is unknown or expired for this database; call PrepareStatement again",
      );
    }
    return prepared.sql;
  }

  /**
   * The streaming result of a query, holding its database and connection until `close`:
   * rows are produced by DuckDB as the stream is read, so memory stays bounded.
   */
  async function openStream(request: duckdb.ExecuteQueryRequest, context: Context) {
    const started = performance.now();
    if (request.maxRows < 0) {
      throw new ServerError(Status.INVALID_ARGUMENT, "max_rows must be 0 or more");
    }
    if (request.explain) {
      throw new ServerError(
        Status.INVALID_ARGUMENT,
        "explain is answered by ExecuteQuery, not a stream",
      );
    }
    const timeoutMs = timeoutOf(ctx, request.timeoutSeconds);
    const record = await findDatabase(ctx, context, request);
    const lease = await ctx.manager.lease(record);
    let connection: Awaited<ReturnType<typeof lease.db.acquire>> | undefined;
    let guard: QueryGuard | undefined;
    const close = () => {
      guard?.dispose();
      connection?.release();
      lease.release();
      ctx.metrics.record(lease.db.key, since(started));
    };
    try {
      connection = await lease.db.acquire();
      const { conn } = connection;
      const g = new QueryGuard(conn, timeoutMs, context.signal);
      guard = g;
      const sql = sqlOf(lease.db, request.query, "query");
      const result = await runScript(
        conn,
        sql,
        g,
        { params: request.parameters, onStatement: markWrites(lease.db) },
        (prepared) => g.run(() => prepared.stream()),
      );
      const columns = resultColumns(result, (t) => ctx.engine.typeNamer.name(t));
      return { result, columns, guard: g, close };
    } catch (err) {
      close();
      throw err;
    }
  }

  return {
    async executeQuery(request, context) {
      const started = performance.now();
      if (request.maxRows < 0) {
        throw new ServerError(Status.INVALID_ARGUMENT, "max_rows must be 0 or more");
      }
      const timeoutMs = timeoutOf(ctx, request.timeoutSeconds);
      const record = await findDatabase(ctx, context, request);
      return ctx.manager.use(record, ({ db }) =>
        onConnection(ctx, db, context, timeoutMs, async (conn, guard) => {
          const sql = sqlOf(db, request.query, "query");
          if (request.explain) {
            const queryPlan = await explain(conn, guard, sql, request.parameters);
            return { success: true, queryPlan, executionTimeMs: since(started) };
          }
          const limit = rowBudget(ctx);
          return runScript(
            conn,
            sql,
            guard,
            { params: request.parameters, onStatement: markWrites(db) },
            async (prepared) => {
              const result = await guard.run(() => prepared.stream());
              const columns = resultColumns(result, (t) => ctx.engine.typeNamer.name(t));
              const rows: duckdb.Row[] = [];
              let bytes = 0;
              for await (const batch of readBatches(result, columns.types, guard, {
                batchBytes: 256 * 1024,
                maxRows: request.maxRows,
              })) {
                bytes += batch.bytes;
                if (bytes > limit) {
                  throw new ServerError(
                    Status.RESOURCE_EXHAUSTED,
                    `the result is larger than one message allows (${ctx.config.maxMessageBytes} bytes) ` +
                      `after ${rows.length} rows: use ExecuteQueryStream, narrow it with max_rows or LIMIT, ` +
                      "or raise ISA_MAX_MESSAGE_BYTES on both server and client (at most 64 MiB)",
                  );
                }
                rows.push(...batch.rows);
              }
              return {
                success: true,
                columns: columns.names,
                columnTypes: columns.typeNames,
                rows,
                rowCount: rows.length,
                executionTimeMs: since(started),
              };
            },
          );
        }),
      );
    },

    async *executeQueryStream(request, context) {
      const started = performance.now();
      const stream = await openStream(request, context);
      try {
        const { result, columns, guard } = stream;
        let first = true;
        for await (const batch of readBatches(result, columns.types, guard, {
          batchBytes: ctx.config.streamChunkBytes,
          maxRows: request.maxRows,
          maxRowBytes: rowBudget(ctx),
        })) {
          yield preEncoded(duckdb.QueryResultChunk, {
            success: true,
            columns: first ? columns.names : [],
            columnTypes: first ? columns.typeNames : [],
            rows: batch.rows,
            isLast: false,
            executionTimeMs: 0,
            error: "",
          });
          first = false;
        }
        const last = { success: true, isLast: true, executionTimeMs: since(started) };
        yield first ? { ...last, columns: columns.names, columnTypes: columns.typeNames } : last;
      } finally {
        stream.close();
      }
    },

    async *executeQueryColumnar(request, context) {
      const started = performance.now();
      const stream = await openStream(request, context);
      try {
        const { result, columns, guard } = stream;
        let first = true;
        for await (const chunk of readColumnar(result, columns.types, guard, {
          batchBytes: ctx.config.streamChunkBytes,
          maxRows: request.maxRows,
          maxMessageBytes: rowBudget(ctx),
        })) {
          yield preEncoded(
            duckdb.ColumnarChunk,
            first ? { ...chunk, columns: columns.names, columnTypes: columns.typeNames } : chunk,
          );
          first = false;
        }
        const last = { isLast: true, executionTimeMs: since(started) };
        yield first ? { ...last, columns: columns.names, columnTypes: columns.typeNames } : last;
      } finally {
        stream.close();
      }
    },

    async executeStatement(request, context) {
      const started = performance.now();
      const record = await findDatabase(ctx, context, request);
      return ctx.manager.use(record, ({ db }) =>
        onConnection(ctx, db, context, ctx.config.queryTimeoutMs, async (conn, guard) => {
          const sql = sqlOf(db, request.statement, "statement");
          const changed = await runScript(
            conn,
            sql,
            guard,
            { params: request.parameters, onStatement: markWrites(db) },
            async (prepared) => (await guard.run(() => prepared.run())).rowsChanged,
          );
          return {
            success: true,
            affectedRows: int32(changed),
            executionTimeMs: since(started),
            message: `${changed} row(s) affected`,
          };
        }),
      );
    },

    async executeBatch(request, context) {
      const started = performance.now();
      if (request.statements.length === 0) {
        throw new ServerError(Status.INVALID_ARGUMENT, "statements is empty");
      }
      const record = await findDatabase(ctx, context, request);
      return ctx.manager.use(record, ({ db }) =>
        onConnection(ctx, db, context, ctx.config.queryTimeoutMs, async (conn, guard) => {
          const results: duckdb.BatchResult[] = [];
          const run = (sql: string) =>
            runScript(
              conn,
              sql,
              guard,
              { allowTransactionControl: !request.transaction, onStatement: markWrites(db) },
              async (prepared) => (await guard.run(() => prepared.run())).rowsChanged,
            );
          if (request.transaction) await guard.run(() => conn.run("BEGIN TRANSACTION"));
          try {
            for (const [index, sql] of request.statements.entries()) {
              try {
                results.push({ success: true, affectedRows: int32(await run(sql)), error: "" });
              } catch (err) {
                throw batchError(err, index, request.statements.length, request.transaction);
              }
            }
            if (request.transaction) await guard.run(() => conn.run("COMMIT"));
          } catch (err) {
            await rollback(conn);
            throw err;
          }
          // A BEGIN without COMMIT in a batch without `transaction` must not outlive the call.
          if (!request.transaction) await rollback(conn);
          return { success: true, results, totalExecutionTimeMs: since(started) };
        }),
      );
    },

    async prepareStatement(request, context) {
      const record = await findDatabase(ctx, context, request);
      if (!request.statement.trim()) {
        throw new ServerError(Status.INVALID_ARGUMENT, "statement is empty");
      }
      return ctx.manager.use(record, ({ db }) =>
        onConnection(ctx, db, context, ctx.config.queryTimeoutMs, async (conn, guard) => {
          const extracted = await guard.run(() => conn.extractStatements(request.statement));
          if (extracted.count !== 1) {
            throw new ServerError(
              Status.INVALID_ARGUMENT,
              `prepare one statement at a time (got ${extracted.count})`,
            );
          }
          const prepared = await guard.run(() => extracted.prepare(0));
          try {
            checkStatementAllowed(prepared.statementType);
            const parameterTypes: string[] = [];
            for (let i = 1; i <= prepared.parameterCount; i++) {
              // DuckDB knows a parameter's type only where the statement fixes it.
              parameterTypes.push(
                prepared.parameterTypeId(i) === DuckDBTypeId.INVALID
                  ? "UNKNOWN"
                  : ctx.engine.typeNamer.name(prepared.parameterType(i)),
              );
            }
            return {
              success: true,
              statementId: ctx.prepared.add(db.key, request.statement),
              parameterTypes,
            };
          } finally {
            prepared.destroySync();
          }
        }),
      );
    },
  };
}

/** The plan of one statement, its parameters bound as they would be to run it. */
async function explain(
  conn: DuckDBConnection,
  guard: QueryGuard,
  sql: string,
  params: Record<string, duckdb.Value>,
): Promise<string> {
  const extracted = await guard.run(() => conn.extractStatements(sql));
  if (extracted.count !== 1) {
    throw new ServerError(Status.INVALID_ARGUMENT, "explain takes exactly one statement");
  }
  // Checked (sandbox policy) as the statement itself before its plan is asked for.
  const statement = await guard.run(() => extracted.prepare(0));
  try {
    checkStatementAllowed(statement.statementType);
  } finally {
    statement.destroySync();
  }
  const prepared = await guard.run(() => conn.prepare(`EXPLAIN ${sql}`));
  try {
    bindParameters(prepared, params);
    const reader = await guard.run(() => prepared.runAndReadAll());
    return reader
      .getRows()
      .map((row) => String(row[1] ?? ""))
      .join("\n");
  } finally {
    prepared.destroySync();
  }
}

function batchError(err: unknown, index: number, count: number, transaction: boolean): unknown {
  if (!(err instanceof ServerError)) return err;
  const applied = transaction
    ? "the transaction was rolled back; nothing was applied"
    : index === 0
      ? "no statement was applied"
      : `statements 1 to ${index} were applied`;
  return new ServerError(
    err.code,
    `statement ${index + 1} of ${count} failed: ${err.details} (${applied})`,
  );
}

async function rollback(conn: DuckDBConnection): Promise<void> {
  // "no transaction is active" is the usual answer and not a problem.
  await conn.run("ROLLBACK").catch(() => {});
}
