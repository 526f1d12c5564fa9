import { duckdb } from "@isa-cloud/proto";
import { ServerError, Status } from "nice-grpc";
import { QueryGuard } from "../engine/query-guard.js";
import { readBatches, readColumnar, resultColumns, runScript } from "../engine/sql-runner.js";
import { beginReadOnly, rollback } from "../engine/transactions.js";
import { asMessage, preEncoded } from "./pre-encoded.js";
import {
  type Context,
  findDatabase,
  type Impl,
  markWrites,
  rowBudget,
  type ServiceContext,
  since,
  sqlOf,
  timeoutOf,
} from "./service-context.js";

/** ExecuteQueryStream, ExecuteQueryColumnar: results of any size, read as they are sent. */
export function queryStreamMethods(
  ctx: ServiceContext,
): Pick<Impl, "executeQueryStream" | "executeQueryColumnar"> {
  return {
    async *executeQueryStream(request, context) {
      const started = performance.now();
      const stream = await openStream(ctx, request, context);
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
        await stream.close();
      }
    },

    async *executeQueryColumnar(request, context) {
      const started = performance.now();
      const stream = await openStream(ctx, request, context);
      try {
        const { result, columns, guard } = stream;
        // The first message also names the columns: protobuf merges concatenated messages.
        let header: Uint8Array | undefined = duckdb.ColumnarChunk.encode({
          ...duckdb.ColumnarChunk.fromPartial({}),
          columns: columns.names,
          columnTypes: columns.typeNames,
        }).finish();
        for await (const chunk of readColumnar(result, columns.types, guard, {
          batchBytes: ctx.config.streamChunkBytes,
          maxRows: request.maxRows,
          maxMessageBytes: rowBudget(ctx),
        })) {
          yield asMessage<duckdb.ColumnarChunk>(header ? Buffer.concat([header, chunk]) : chunk);
          header = undefined;
        }
        const last = { isLast: true, executionTimeMs: since(started) };
        yield header ? { ...last, columns: columns.names, columnTypes: columns.typeNames } : last;
      } finally {
        await stream.close();
      }
    },
  };
}

/**
 * The streaming result of a query, holding its database and connection until `close`:
 * rows are produced by DuckDB as the stream is read, so memory stays bounded.
 */
async function openStream(
  ctx: ServiceContext,
  request: duckdb.ExecuteQueryRequest,
  context: Context,
) {
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
  let readOnly = false;
  let wrote: (() => void) | undefined;
  const close = async () => {
    guard?.dispose();
    if (connection && readOnly) await rollback(connection.conn);
    connection?.release();
    // Marked again: a statement streamed is committed only once its result is read.
    wrote?.();
    lease.release();
    ctx.manager.metrics.recordQuery(lease.db.key, since(started));
  };
  try {
    connection = await lease.db.acquire();
    const { conn } = connection;
    const g = new QueryGuard(conn, timeoutMs, context.signal);
    guard = g;
    const sql = sqlOf(ctx, lease.db, request.query, "query");
    if (request.readOnly) {
      await beginReadOnly(conn, g);
      readOnly = true;
    }
    const result = await runScript(
      conn,
      sql,
      g,
      {
        params: request.parameters,
        readOnly: request.readOnly,
        onStatement: (kind) => {
          wrote = markWrites(lease.db)(kind);
          return wrote;
        },
        changeVersion: () => lease.db.changeVersion,
      },
      (prepared) => g.run(() => prepared.stream()),
    );
    const columns = resultColumns(result, (t) => ctx.engine.typeNamer.name(t));
    return { result, columns, guard: g, close };
  } catch (err) {
    await close();
    throw err;
  }
}
