type Params = Record<string, unknown>;

import type { RowSink } from "../output/writers.js";
import type { Session } from "../session.js";

export interface QueryRun {
  rowCount: number;
  truncated: boolean;
  ms: number;
}

/**
 * Streams one statement's result into `sink`, batch by batch, as fast as the sink takes
 * it (a slow pipe slows the server through gRPC flow control). With `maxRows`, one row
 * more is asked for so that the summary can say the result was cut; the stream is then
 * cancelled, and the server stops the query. Aborting `signal` cancels it too.
 */
export async function runQuery(
  session: Session,
  sql: string,
  params: Params,
  sink: RowSink,
  options: { maxRows?: number; signal?: AbortSignal } = {},
): Promise<QueryRun> {
  const started = performance.now();
  const { maxRows } = options;
  let rowCount = 0;
  let truncated = false;
  let startedSink = false;
  await session.withDatabase(async (db) => {
    const stream = session.analytics().queryStream(db, sql, params, {
      ...(maxRows === undefined ? {} : { maxRows: maxRows + 1 }),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    for await (const batch of stream.batches()) {
      if (!startedSink) {
        await sink.start(batch.columns);
        startedSink = true;
      }
      let rows = batch.rows as Record<string, unknown>[];
      if (maxRows !== undefined && rowCount + rows.length > maxRows) {
        rows = rows.slice(0, maxRows - rowCount);
        truncated = true;
      }
      rowCount += rows.length;
      await sink.rows(rows);
      if (truncated) break;
    }
    if (!startedSink) {
      await sink.start(stream.columns ?? []);
      startedSink = true;
    }
  });
  await sink.end({ rowCount, truncated, ...(maxRows === undefined ? {} : { maxRows }) });
  return { rowCount, truncated, ms: performance.now() - started };
}
