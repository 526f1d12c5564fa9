import {
  type DuckDBConnection,
  type DuckDBPreparedStatement,
  DuckDBTypeId,
} from "@duckdb/node-api";
import type { duckdb } from "@isa-cloud/proto";
import { ServerError, Status } from "nice-grpc";
import { bindParameters } from "../engine/parameter-binding.js";
import type { QueryGuard } from "../engine/query-guard.js";
import { readBatches, resultColumns, runScript } from "../engine/sql-runner.js";
import {
  checkSqlText,
  checkStatementAllowed,
  classifyStatement,
} from "../engine/statement-policy.js";
import { readOnlyTransaction, rollback } from "../engine/transactions.js";
import {
  findDatabase,
  type Impl,
  int32,
  markWrites,
  onConnection,
  rowBudget,
  type ServiceContext,
  since,
  sqlOf,
  timeoutOf,
} from "./service-context.js";

/** ExecuteQuery, ExecuteStatement, ExecuteBatch, PrepareStatement. */
export function queryMethods(
  ctx: ServiceContext,
): Pick<Impl, "executeQuery" | "executeStatement" | "executeBatch" | "prepareStatement"> {
  return {
    async executeQuery(request, context) {
      const started = performance.now();
      if (request.maxRows < 0) {
        throw new ServerError(Status.INVALID_ARGUMENT, "max_rows must be 0 or more");
      }
      const timeoutMs = timeoutOf(ctx, request.timeoutSeconds);
      const record = await findDatabase(ctx, context, request);
      return ctx.manager.use(record, ({ db }) =>
        onConnection(ctx, db, context, timeoutMs, (conn, guard) =>
          readOnlyTransaction(conn, guard, request.readOnly, async () => {
            const sql = sqlOf(ctx, db, request.query, "query");
            if (request.explain) {
              const queryPlan = await explain(conn, guard, sql, request.parameters);
              return { success: true, queryPlan, executionTimeMs: since(started) };
            }
            const limit = rowBudget(ctx);
            return runScript(
              conn,
              sql,
              guard,
              {
                params: request.parameters,
                readOnly: request.readOnly,
                onStatement: markWrites(db),
                changeVersion: () => db.changeVersion,
              },
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
        ),
      );
    },

    async executeStatement(request, context) {
      const started = performance.now();
      const record = await findDatabase(ctx, context, request);
      return ctx.manager.use(record, ({ db }) =>
        onConnection(ctx, db, context, ctx.config.queryTimeoutMs, async (conn, guard) => {
          const sql = sqlOf(ctx, db, request.statement, "statement");
          const changed = await runScript(
            conn,
            sql,
            guard,
            {
              params: request.parameters,
              onStatement: markWrites(db),
              changeVersion: () => db.changeVersion,
            },
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
          const marks = markWrites(db);
          let wrote = false;
          const run = (sql: string) =>
            runScript(
              conn,
              sql,
              guard,
              {
                allowTransactionControl: !request.transaction,
                onStatement: (kind) => {
                  const after = marks(kind);
                  wrote ||= after !== undefined;
                  return after;
                },
                changeVersion: () => db.changeVersion,
              },
              async (prepared) => (await guard.run(() => prepared.run())).rowsChanged,
            );
          try {
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
          } finally {
            // Marked again once the transaction has ended: a statement kept prepared on
            // another connection before the COMMIT saw the old views, and one kept on this
            // connection before a ROLLBACK saw views that are gone.
            if (wrote) db.dirty = true;
          }
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
          const prepared = await prepareOne(conn, guard, request.statement, "PrepareStatement");
          try {
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
  // Checked as the statement itself would be before its plan is asked for.
  (await prepareOne(conn, guard, sql, "explain")).destroySync();
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

/** The one statement of `sql`, prepared and checked as `runScript` checks one before running it. */
async function prepareOne(
  conn: DuckDBConnection,
  guard: QueryGuard,
  sql: string,
  what: string,
): Promise<DuckDBPreparedStatement> {
  checkSqlText(sql);
  const extracted = await guard.run(() => conn.extractStatements(sql));
  if (extracted.count !== 1) {
    throw new ServerError(
      Status.INVALID_ARGUMENT,
      `${what} takes one statement at a time (got ${extracted.count})`,
    );
  }
  const prepared = await guard.run(() => extracted.prepare(0));
  try {
    checkStatementAllowed(await classifyStatement(conn, guard, prepared, sql));
    return prepared;
  } catch (err) {
    prepared.destroySync();
    throw err;
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
