import type { DuckDBConnection } from "@duckdb/node-api";
import type { QueryGuard } from "./query-guard.js";

/** Runs `fn` in a transaction on `conn`: committed when it returns, rolled back when it throws. */
export async function inTransaction(
  conn: DuckDBConnection,
  guard: QueryGuard,
  fn: () => Promise<void>,
) {
  await guard.run(() => conn.run("BEGIN TRANSACTION"));
  try {
    await fn();
    await guard.run(() => conn.run("COMMIT"));
  } catch (err) {
    await conn.run("ROLLBACK").catch(() => {});
    throw err;
  }
}

/**
 * Runs `fn` in a READ ONLY transaction when `readOnly` (then rolled back: nothing can be
 * committed anyway). Besides the statement check, this makes DuckDB itself refuse a write
 * that a SELECT hides (nextval() advances a sequence).
 */
export async function readOnlyTransaction<T>(
  conn: DuckDBConnection,
  guard: QueryGuard,
  readOnly: boolean,
  fn: () => Promise<T>,
): Promise<T> {
  if (!readOnly) return fn();
  await beginReadOnly(conn, guard);
  try {
    return await fn();
  } finally {
    await rollback(conn);
  }
}

export async function beginReadOnly(conn: DuckDBConnection, guard: QueryGuard): Promise<void> {
  await guard.run(() => conn.run("BEGIN TRANSACTION READ ONLY"));
}

export async function rollback(conn: DuckDBConnection): Promise<void> {
  // "no transaction is active" is the usual answer and not a problem.
  await conn.run("ROLLBACK").catch(() => {});
}
