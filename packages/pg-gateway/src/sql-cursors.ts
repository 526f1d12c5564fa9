import { commandKind } from "./command-tag.js";
import { missing, PgException } from "./pg-exception.js";
import { commandComplete, MessageWriter, rowDescription } from "./protocol/backend.js";
import type { StatementResult } from "./statement-result.js";
import type { StatementRunner } from "./statement-runner.js";

/** A SQL cursor statement the gateway runs itself (DuckDB has no cursors). */
export interface CursorStatement {
  verb: "DECLARE" | "FETCH" | "MOVE" | "CLOSE";
  name: string;
  count: string;
  rest: string;
}

/**
 * SQL-level cursors (DECLARE ... CURSOR FOR, FETCH, MOVE, CLOSE), as psycopg2's named
 * cursors use: each is a started statement whose rows are handed out on FETCH.
 */
export class SqlCursors {
  readonly #cursors = new Map<string, StatementResult>();

  constructor(private readonly runner: StatementRunner) {}

  /** DECLARE name CURSOR FOR q, FETCH [n] FROM name, MOVE, CLOSE name. */
  async *run(c: CursorStatement, describe: boolean): AsyncGenerator<Uint8Array> {
    const { w, tx } = this.runner;
    if (c.verb === "DECLARE") {
      if (tx.status === "I" && !/\bWITH\s+HOLD\b/i.test(c.rest)) {
        throw new PgException({
          severity: "ERROR",
          code: "25P01",
          message: "DECLARE CURSOR can only be used in transaction blocks",
        });
      }
      const query = /\bFOR\s+([\s\S]+)$/i.exec(c.rest)?.[1];
      if (!query)
        throw new PgException({
          severity: "ERROR",
          code: "42601",
          message: "DECLARE needs CURSOR FOR <query>",
        });
      this.#cursors.get(c.name)?.close();
      const portal = await this.runner.portalFor(
        { sql: query, paramTypes: [], kind: commandKind(query) },
        {},
      );
      this.#cursors.set(c.name, await this.runner.start(portal));
      commandComplete(w, "DECLARE CURSOR");
      return;
    }
    const result = this.#cursors.get(c.name);
    if (!result) throw missing("cursor", c.name);
    if (c.verb === "CLOSE") {
      result.close();
      this.#cursors.delete(c.name);
      commandComplete(w, "CLOSE CURSOR");
      return;
    }
    const count = /^(FORWARD\s+)?ALL\b/i.test(c.count) ? 0 : Number(/\d+/.exec(c.count)?.[0] ?? 1);
    if (describe && c.verb === "FETCH") rowDescription(w, result.fields());
    const before = result.sent;
    if (c.verb === "FETCH") {
      yield* result.writeRows(w, count);
    } else {
      // MOVE: read and drop.
      const scratch = new MessageWriter();
      for await (const _ of result.writeRows(scratch, count)) scratch.take();
    }
    commandComplete(w, `${c.verb} ${result.sent - before}`);
  }

  closeAll(): void {
    for (const result of this.#cursors.values()) result.close();
    this.#cursors.clear();
  }
}

/** The cursor statement `sql` is, if it is one. */
export function cursorStatement(sql: string): CursorStatement | undefined {
  const text = sql.trim().replace(/;\s*$/, "");
  const declare = /^DECLARE\s+("(?:[^"]|"")+"|\w+)\s+([\s\S]*)$/i.exec(text);
  if (declare) return { verb: "DECLARE", name: ident(declare[1]!), count: "", rest: declare[2]! };
  const fetch = /^(FETCH|MOVE)\s+(.*?)\s*(?:FROM|IN)\s+("(?:[^"]|"")+"|\w+)$/is.exec(text);
  if (fetch) {
    return {
      verb: fetch[1]!.toUpperCase() as "FETCH",
      name: ident(fetch[3]!),
      count: fetch[2]!,
      rest: "",
    };
  }
  const close = /^CLOSE\s+("(?:[^"]|"")+"|\w+)$/i.exec(text);
  if (close) return { verb: "CLOSE", name: ident(close[1]!), count: "", rest: "" };
  return undefined;
}

function ident(s: string): string {
  return s.startsWith('"') ? s.slice(1, -1).replaceAll('""', '"') : s.toLowerCase();
}
