import type { PgError } from "./protocol/backend.js";

/**
 * BEGIN / COMMIT / ROLLBACK as the gateway can honour them. The service runs every call
 * on a pooled connection in a transaction of its own (it refuses BEGIN outside
 * ExecuteBatch so that no transaction leaks into another call), so each statement inside
 * a block is committed when it runs. The block is kept so that drivers which open one
 * implicitly (psycopg2, JDBC with autocommit off) work, and is honest about what it is:
 * ROLLBACK after a statement that may have written is an error naming what stays.
 */
export class TransactionBlock {
  #state: "idle" | "open" | "failed" = "idle";
  #written: string[] = [];

  /** ReadyForQuery's status byte. */
  get status(): "I" | "T" | "E" {
    return this.#state === "idle" ? "I" : this.#state === "open" ? "T" : "E";
  }

  begin(): void {
    if (this.#state === "idle") this.#state = "open";
  }

  /** A statement that failed inside the block: like Postgres, the rest is refused until it ends. */
  fail(): void {
    if (this.#state === "open") this.#state = "failed";
  }

  /** Refuses statements after a failure inside the block, as Postgres does (25P02). */
  refusal(): PgError | undefined {
    if (this.#state !== "failed") return undefined;
    return {
      severity: "ERROR",
      code: "25P02",
      message: "current transaction is aborted, commands ignored until end of transaction block",
    };
  }

  /** Notes a statement that ran inside the block; `tag` "SELECT" only reads. */
  ran(tag: string): void {
    if (this.#state !== "idle" && tag !== "SELECT") this.#written.push(tag);
  }

  commit(): void {
    this.#end();
  }

  /** ROLLBACK: nothing to undo, or an error saying which statements stay committed. */
  rollback(): PgError | undefined {
    const written = this.#written;
    this.#end();
    if (written.length === 0) return undefined;
    return {
      severity: "ERROR",
      code: "25000",
      message: `ROLLBACK cannot undo ${written.length} statement(s) run since BEGIN (${written.join(", ")}): each was committed when it ran`,
      detail:
        "The gateway runs every statement in a transaction of its own on the analytics service; BEGIN ... COMMIT does not make a block atomic.",
      hint: "For an atomic group of writes, send them as one ExecuteBatch with transaction=true (duckdb-client executeBatch).",
    };
  }

  #end(): void {
    this.#state = "idle";
    this.#written = [];
  }
}
