import type { DuckDBConnection, DuckDBPreparedStatement } from "@duckdb/node-api";
import { LRUCache } from "lru-cache";
import type { StatementKind } from "./statement-policy.js";

/** Statements kept prepared per connection; the least recently used is destroyed first. */
export const STATEMENTS_PER_CONNECTION = 64;
/** Longer SQL is not kept: it is mostly one-off bulk literals, and its plan is as large. */
export const MAX_CACHED_SQL_LENGTH = 16 * 1024;

interface Entry {
  prepared: DuckDBPreparedStatement;
  kind: StatementKind;
  /** The database's change version read before it was prepared. */
  version: string;
}

/**
 * A connection's prepared statements by exact SQL text, so that a repeated query skips
 * parsing, binding and planning. An entry counts only while the database's change version
 * is the one read before it was prepared: DuckDB re-binds a prepared statement after a
 * table changes, but not after a view or macro is replaced (it would keep running the old
 * definition). A connection runs one call at a time, so an entry is never in use twice,
 * nor destroyed while it runs.
 */
export class StatementCache {
  private readonly entries = new LRUCache<string, Entry>({
    max: STATEMENTS_PER_CONNECTION,
    // Evicted, replaced or dropped as stale: its statement goes with it.
    dispose: (entry) => entry.prepared.destroySync(),
  });

  /** The statement prepared for `sql` under `version`, if any; a stale one is destroyed. */
  take(
    sql: string,
    version: string,
  ): { prepared: DuckDBPreparedStatement; kind: StatementKind } | undefined {
    const entry = this.entries.get(sql);
    if (entry?.version === version) return entry;
    if (entry) this.entries.delete(sql);
    return undefined;
  }

  /** Keeps `prepared` for `sql`; returns false (the caller destroys it) when it is not kept. */
  keep(
    sql: string,
    version: string,
    prepared: DuckDBPreparedStatement,
    kind: StatementKind,
  ): boolean {
    if (sql.length > MAX_CACHED_SQL_LENGTH) return false;
    this.entries.set(sql, { prepared, kind, version });
    return true;
  }

  get size(): number {
    return this.entries.size;
  }
}

// Nothing to do when a connection closes: node-api destroys every statement prepared on
// it then, and the cache goes with the connection object.
const caches = new WeakMap<DuckDBConnection, StatementCache>();

export function statementCacheOf(conn: DuckDBConnection): StatementCache {
  let cache = caches.get(conn);
  if (!cache) {
    cache = new StatementCache();
    caches.set(conn, cache);
  }
  return cache;
}
