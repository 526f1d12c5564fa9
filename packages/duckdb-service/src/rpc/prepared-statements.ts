import { randomUUID } from "node:crypto";

const ID = /^stmt_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Statements checked by PrepareStatement, by id. DuckDB's own prepared statements belong
 * to one connection, and calls get whichever pooled connection is free, so an id stands
 * for the checked SQL of one database; ExecuteQuery/ExecuteStatement given the id as
 * their query prepare it again on their connection. Bounded, least recently used first out.
 */
export class PreparedStatements {
  private readonly entries = new Map<string, { databaseKey: string; sql: string }>();

  constructor(private readonly capacity: number) {}

  add(databaseKey: string, sql: string): string {
    const id = `stmt_${randomUUID()}`;
    this.entries.set(id, { databaseKey, sql });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.capacity) break;
      this.entries.delete(oldest);
    }
    return id;
  }

  /** The SQL an id stands for; `undefined` when `text` is not an id at all (plain SQL). */
  resolve(databaseKey: string, text: string): { sql: string } | { unknown: true } | undefined {
    const id = text.trim();
    if (!ID.test(id)) return undefined;
    const entry = this.entries.get(id);
    if (!entry || entry.databaseKey !== databaseKey) return { unknown: true };
    this.entries.delete(id);
    this.entries.set(id, entry);
    return { sql: entry.sql };
  }
}
