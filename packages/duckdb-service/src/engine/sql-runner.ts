import type {
  DuckDBConnection,
  DuckDBPreparedStatement,
  DuckDBResult,
  DuckDBType,
} from "@duckdb/node-api";
import type { duckdb } from "@isa-cloud/proto";
import { ServerError, Status } from "nice-grpc";
import { chunkEncoder } from "./columnar-chunk.js";
import { rowSize } from "./message-size.js";
import { bindParameters } from "./parameter-binding.js";
import type { QueryGuard } from "./query-guard.js";
import { statementCacheOf } from "./statement-cache.js";
import {
  assertReadOnly,
  checkSqlText,
  checkStatementAllowed,
  classifyStatement,
  READ_ONLY_STATEMENTS,
  type StatementKind,
} from "./statement-policy.js";
import { encodeValue } from "./value-encoding.js";

export interface ScriptOptions {
  /** Named parameters, bound by DuckDB to every statement that uses them. */
  params?: Readonly<Record<string, duckdb.Value>>;
  /** BEGIN/COMMIT/ROLLBACK allowed (ExecuteBatch only). */
  allowTransactionControl?: boolean;
  /**
   * Only a read-only statement may run (`isReadOnly`), and only one: each statement is
   * judged before it runs, and a later one could only be judged after the earlier ran.
   */
  readOnly?: boolean;
  /** Sees each statement before it runs (dirty tracking); what it returns, after. */
  onStatement?: (kind: StatementKind) => (() => void) | undefined;
  /**
   * The database's change version (`OpenDatabase.changeVersion`). Given, a request of one
   * statement keeps it prepared on the connection (`StatementCache`), reused while this
   * stays the same; SQL run on the connection outside `runScript` must then not replace
   * what such a statement reads without moving it.
   */
  changeVersion?: () => string;
}

/**
 * Runs user SQL statement by statement on one connection: its text is checked for
 * functions the sandbox refuses, then each statement is prepared (so DuckDB binds the
 * parameters; nothing is pasted into SQL), checked against the statement policy, then
 * run; the last one is handed to `last`. Statements are prepared one at a time
 * because a later one may need what an earlier one creates. A lone statement is taken
 * from, and kept in, the connection's `StatementCache` when `changeVersion` is given;
 * every check but the parse still runs on each call.
 */
export async function runScript<T>(
  conn: DuckDBConnection,
  sql: string,
  guard: QueryGuard,
  opts: ScriptOptions,
  last: (prepared: DuckDBPreparedStatement) => Promise<T>,
): Promise<T> {
  checkSqlText(sql);
  const version = opts.changeVersion?.();
  const kept = version === undefined ? undefined : { cache: statementCacheOf(conn), version };
  const cached = kept?.cache.take(sql, kept.version);
  if (cached) {
    // Nothing bound by an earlier call may reach this one.
    cached.prepared.clearBindings();
    return runStatement(cached.prepared, cached.kind, true, opts, last);
  }
  const extracted = await guard.run(() => conn.extractStatements(sql));
  if (extracted.count === 0) {
    throw new ServerError(Status.INVALID_ARGUMENT, "the request holds no SQL statement");
  }
  if (opts.readOnly && extracted.count > 1) {
    throw new ServerError(
      Status.INVALID_ARGUMENT,
      `read_only takes one statement, got ${extracted.count}; allowed: ${READ_ONLY_STATEMENTS}`,
    );
  }
  const single = extracted.count === 1;
  for (let index = 0; index < extracted.count; index++) {
    const prepared = await guard.run(() => extracted.prepare(index));
    let keeps = false;
    try {
      const kind = await classifyStatement(conn, guard, prepared, single ? sql : undefined);
      // Kept before the checks: they depend on the call's options, not on the statement.
      if (single && kept) keeps = kept.cache.keep(sql, kept.version, prepared, kind);
      if (index === extracted.count - 1)
        return await runStatement(prepared, kind, single, opts, last);
      await runStatement(prepared, kind, single, opts, (p) => guard.run(() => p.run()));
    } finally {
      if (!keeps) prepared.destroySync();
    }
  }
  throw new Error("unreachable: the loop returns at the last statement");
}

/** Checks one prepared statement against the call's options, binds its parameters, runs it. */
async function runStatement<T>(
  prepared: DuckDBPreparedStatement,
  kind: StatementKind,
  single: boolean,
  opts: ScriptOptions,
  run: (prepared: DuckDBPreparedStatement) => Promise<T>,
): Promise<T> {
  checkStatementAllowed(kind, opts.allowTransactionControl);
  if (opts.readOnly) assertReadOnly(kind);
  const params = opts.params ?? {};
  const used = bindCatching(prepared, params);
  if (single) assertAllUsed(params, used);
  const ran = opts.onStatement?.(kind);
  try {
    return await run(prepared);
  } finally {
    ran?.();
  }
}

function bindCatching(
  prepared: DuckDBPreparedStatement,
  params: Readonly<Record<string, duckdb.Value>>,
): string[] {
  try {
    return bindParameters(prepared, params);
  } catch (err) {
    if (err instanceof ServerError) throw err;
    throw new ServerError(
      Status.INVALID_ARGUMENT,
      `cannot bind parameters: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

function assertAllUsed(params: Readonly<Record<string, duckdb.Value>>, used: string[]): void {
  const unknown = Object.keys(params).filter((name) => !used.includes(name));
  if (unknown.length > 0) {
    const has = used.length > 0 ? used.map((n) => `$${n}`).join(", ") : "none";
    throw new ServerError(
      Status.INVALID_ARGUMENT,
      `unknown parameter ${unknown.map((n) => `$${n}`).join(", ")}: the statement's parameters are ${has}`,
    );
  }
}

export interface ResultColumns {
  names: string[];
  /** DuckDB's type names, as `column_types` carries them. */
  typeNames: string[];
  types: DuckDBType[];
}

export function resultColumns(
  result: DuckDBResult,
  typeName: (type: DuckDBType) => string,
): ResultColumns {
  const types = result.columnTypes();
  return { names: result.columnNames(), types, typeNames: types.map(typeName) };
}

/**
 * Reads a (streaming) result as batches of encoded rows, each batch at most `batchBytes`
 * (estimated) and `maxRows` rows in all. DuckDB produces the rows a chunk at a time as
 * they are read, so memory stays bounded by one chunk and one batch.
 */
export async function* readBatches(
  result: DuckDBResult,
  types: readonly DuckDBType[],
  guard: QueryGuard,
  opts: { batchBytes: number; maxRows?: number; maxRowBytes?: number },
): AsyncGenerator<{ rows: duckdb.Row[]; bytes: number }> {
  let remaining = opts.maxRows && opts.maxRows > 0 ? opts.maxRows : Number.POSITIVE_INFINITY;
  let rows: duckdb.Row[] = [];
  let bytes = 0;
  while (remaining > 0) {
    const chunk = await guard.run(() => result.fetchChunk());
    if (!chunk || chunk.rowCount === 0) {
      guard.assertNotInterrupted();
      break;
    }
    // Column by column: node-api converts a whole vector faster than row by row.
    const columns = types.map((_, c) => chunk.getColumnValues(c));
    const take = Math.min(chunk.rowCount, remaining);
    for (let i = 0; i < take; i++) {
      const row = new Array<duckdb.Value>(types.length);
      for (let c = 0; c < types.length; c++)
        row[c] = encodeValue(columns[c]![i] ?? null, types[c]!);
      const size = rowSize(row);
      if (opts.maxRowBytes !== undefined && size > opts.maxRowBytes)
        throw rowTooLarge(opts.maxRowBytes);
      if (rows.length > 0 && bytes + size > opts.batchBytes) {
        yield { rows, bytes };
        rows = [];
        bytes = 0;
      }
      rows.push({ values: row });
      bytes += size;
    }
    remaining -= take;
  }
  if (rows.length > 0) yield { rows, bytes };
}

function rowTooLarge(limit: number): ServerError {
  return new ServerError(
    Status.RESOURCE_EXHAUSTED,
    `a single row is larger than one message allows (${limit} bytes); select fewer or smaller columns`,
  );
}

/**
 * Reads a (streaming) result as encoded ColumnarChunk messages (rows, vectors; no
 * columns or flags): one per DuckDB chunk, halved until each fits `batchBytes`. The next
 * chunk is fetched while this one is encoded and sent, so DuckDB's threads produce it
 * meanwhile instead of waiting for the JS thread (about 1.7x the rate of fetching in turn).
 */
export async function* readColumnar(
  result: DuckDBResult,
  types: readonly DuckDBType[],
  guard: QueryGuard,
  opts: { batchBytes: number; maxRows?: number; maxMessageBytes: number },
): AsyncGenerator<Uint8Array> {
  let remaining = opts.maxRows && opts.maxRows > 0 ? opts.maxRows : Number.POSITIVE_INFINITY;
  const fetch = () => {
    const fetched = guard.run(() => result.fetchChunk());
    // Handled now, awaited later: a failure while this generator waits at a yield must
    // not count as an unhandled rejection.
    fetched.catch(() => undefined);
    return fetched;
  };
  let next: ReturnType<typeof fetch> | undefined = fetch();
  try {
    while (next) {
      const chunk = await next;
      next = undefined;
      if (!chunk || chunk.rowCount === 0) {
        guard.assertNotInterrupted();
        return;
      }
      const take = Math.min(chunk.rowCount, remaining);
      remaining -= take;
      if (remaining > 0) next = fetch();
      // Encoded before the first yield, so that nothing of the chunk outlives it: alive
      // across a yield, per-chunk objects outlived scavenges and were promoted.
      const messages: Uint8Array[] = [];
      encodeRows(chunkEncoder(chunk, types), 0, take, opts, messages);
      yield* messages;
    }
  } finally {
    // The result must not be closed under a fetch still running.
    await next?.catch(() => undefined);
  }
}

/** Rows `from` to `to` of a chunk as messages, halved until each fits. */
function encodeRows(
  encode: (from: number, to: number) => Uint8Array,
  from: number,
  to: number,
  opts: { batchBytes: number; maxMessageBytes: number },
  out: Uint8Array[],
): void {
  const message = encode(from, to);
  if (message.length > opts.batchBytes && to - from > 1) {
    const middle = from + Math.floor((to - from) / 2);
    encodeRows(encode, from, middle, opts, out);
    encodeRows(encode, middle, to, opts, out);
    return;
  }
  if (message.length > opts.maxMessageBytes) throw rowTooLarge(opts.maxMessageBytes);
  out.push(message);
}
