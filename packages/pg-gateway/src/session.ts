import type { DuckdbClient } from "@isa-cloud/duckdb-client";
import { type CatalogAnswer, type CatalogContext, catalogAnswer } from "./catalog/index.js";
import { type CommandKind, commandKind, commandTag } from "./command-tag.js";
import { type CopyOut, copyOutResponse, copyOutStatement, copyRowWriter } from "./copy-out.js";
import { toPgError } from "./error-mapping.js";
import { bindParameters } from "./parameters.js";
import { pgTypeOf } from "./pg-types.js";
import {
  commandComplete,
  dataRow,
  empty,
  errorResponse,
  MessageWriter,
  type PgError,
  parameterDescription,
  readyForQuery,
  rowDescription,
} from "./protocol/backend.js";
import {
  ProtocolError,
  readBind,
  readExecute,
  readParse,
  readQuery,
  readTarget,
} from "./protocol/frontend.js";
import { isBlank, splitStatements } from "./sql-split.js";
import { StatementResult } from "./statement-result.js";
import { TransactionBlock } from "./transaction-block.js";

/** A statement error carried to the message loop, which answers it with an ErrorResponse. */
class PgException extends Error {
  constructor(readonly pg: PgError) {
    super(pg.message);
  }
}

interface Prepared {
  sql: string;
  paramTypes: number[];
  kind: CommandKind;
}

interface Portal {
  statement: Prepared;
  params: Record<string, unknown>;
  /** Set once the statement runs (at Describe or the first Execute). */
  result?: StatementResult;
  /** An answer of the gateway itself (SET, SHOW, BEGIN...), run at Execute. */
  local?: CatalogAnswer | "transaction";
  /** The SQL to run: the statement's, or the catalog's rewrite of it. */
  sql: string;
}

/** A SQL-level cursor (DECLARE ... CURSOR FOR), as psycopg2's named cursors use. */
interface Cursor {
  result: StatementResult;
}

export interface SessionOptions {
  /** duckdb-client acting for the caller: every call carries their token. */
  client: DuckdbClient;
  database: string;
  catalog: CatalogContext;
}

/**
 * One authenticated connection's query cycle: the simple protocol (Query), the extended
 * one (Parse, Bind, Describe, Execute, Close, Sync, Flush) with named and unnamed
 * statements and portals, SQL cursors, and the transaction block. Each statement goes to
 * the analytics service through duckdb-client with the caller's token, after the
 * compatibility layer (`catalog/`) has had its say.
 */
export class Session {
  readonly #opts: SessionOptions;
  readonly #statements = new Map<string, Prepared>();
  readonly #portals = new Map<string, Portal>();
  readonly #cursors = new Map<string, Cursor>();
  readonly #tx = new TransactionBlock();
  readonly #w = new MessageWriter();
  /** After an error in the extended protocol, messages are skipped until Sync. */
  #skipping = false;
  /** The call running now; aborted by CancelRequest and by the client going away. */
  #running: AbortController | undefined;
  #closed = false;

  constructor(opts: SessionOptions) {
    this.#opts = opts;
  }

  /** CancelRequest: stops the statement running now, if any. */
  cancel(): void {
    this.#running?.abort();
  }

  /** The connection is gone: stop what runs and every open stream. */
  close(): void {
    this.#closed = true;
    this.cancel();
    this.#closeStreams();
  }

  /**
   * Answers one frontend message; what it yields goes to the socket in order. Returns
   * true: pg-gateway treats a response that yields nothing (Flush, a message skipped
   * until Sync) as unhandled unless the generator returns a value.
   */
  async *handle(message: Uint8Array): AsyncGenerator<Uint8Array, true> {
    const code = String.fromCharCode(message[0]!);
    const w = this.#w;
    try {
      if (code === "Q") {
        yield* this.#simpleQuery(readQuery(message));
      } else if (code === "S") {
        this.#skipping = false;
        if (this.#tx.status === "I") this.#closeStreams();
        readyForQuery(w, this.#tx.status);
      } else if (code === "H") {
        // Flush: everything is written as it is made.
      } else if (this.#skipping) {
        // Skipped until Sync, as Postgres does after an error.
      } else if (code === "P") {
        const p = readParse(message);
        if (p.statement !== "") this.#statements.delete(p.statement);
        this.#statements.set(p.statement, {
          sql: p.sql,
          paramTypes: p.paramTypes,
          kind: commandKind(p.sql),
        });
        w.begin("1").end();
      } else if (code === "B") {
        await this.#bind(message);
        w.begin("2").end();
      } else if (code === "D") {
        await this.#describe(message);
      } else if (code === "E") {
        yield* this.#execute(message);
      } else if (code === "C") {
        const t = readTarget(message);
        if (t.kind === "S") this.#statements.delete(t.name);
        else this.#dropPortal(t.name);
        w.begin("3").end();
      } else if (code === "d" || code === "c" || code === "f") {
        // CopyData/Done/Fail: only sent after a CopyInResponse, which the gateway never sends.
      } else {
        throw new PgException({
          severity: "ERROR",
          code: "0A000",
          message: `message type "${code}" is not supported by the isa pg-gateway`,
        });
      }
    } catch (err) {
      if (err instanceof ProtocolError) throw err;
      // The client is gone (its query was cancelled for that): nobody to answer, and
      // pg-gateway logs a write to a closed socket as an error.
      if (this.#closed) return true;
      this.#fail(err);
      if (code !== "Q") this.#skipping = true;
      else readyForQuery(w, this.#tx.status);
    }
    if (w.length > 0) yield w.take();
    return true;
  }

  #fail(err: unknown): void {
    const pg = err instanceof PgException ? err.pg : toPgError(err);
    errorResponse(this.#w, pg);
    this.#tx.fail();
  }

  // ---- simple protocol

  async *#simpleQuery(sql: string): AsyncGenerator<Uint8Array> {
    const w = this.#w;
    const statements = splitStatements(sql);
    if (statements.length === 0) empty(w, "I");
    for (const statement of statements) {
      const portal = await this.#portalFor(
        { sql: statement, paramTypes: [], kind: commandKind(statement) },
        {},
      );
      try {
        yield* this.#run(portal, 0, true);
      } finally {
        portal.result?.close();
      }
    }
    readyForQuery(w, this.#tx.status);
  }

  // ---- extended protocol

  async #bind(message: Uint8Array): Promise<void> {
    const b = readBind(message);
    const statement = this.#statements.get(b.statement);
    if (!statement) throw missing("prepared statement", b.statement);
    if (b.resultFormats.some((f) => f !== 0)) {
      throw new PgException({
        severity: "ERROR",
        code: "0A000",
        message: "the isa pg-gateway sends results as text only; ask for text result format",
      });
    }
    this.#dropPortal(b.portal);
    this.#portals.set(
      b.portal,
      await this.#portalFor(statement, bindParameters(b.params, statement.paramTypes)),
    );
  }

  async #describe(message: Uint8Array): Promise<void> {
    const t = readTarget(message);
    const w = this.#w;
    if (t.kind === "S") {
      const statement = this.#statements.get(t.name);
      if (!statement) throw missing("prepared statement", t.name);
      await this.#describeStatement(statement);
      return;
    }
    const portal = this.#portals.get(t.name);
    if (!portal) throw missing("portal", t.name);
    if (portal.local) {
      const local = portal.local;
      if (local !== "transaction" && local.kind === "rows") rowDescription(w, localFields(local));
      else w.begin("n").end();
      return;
    }
    const result = await this.#start(portal);
    if (result.isCount(portal.statement.kind)) w.begin("n").end();
    else rowDescription(w, result.fields());
  }

  /**
   * Describe of a statement, before any parameter is bound: the parameter types come from
   * the service's PrepareStatement, the columns from DuckDB's DESCRIBE of the statement
   * with every parameter NULL (DESCRIBE plans, it runs nothing). A statement DESCRIBE
   * refuses (a write without RETURNING) returns no rows: NoData.
   */
  async #describeStatement(statement: Prepared): Promise<void> {
    const w = this.#w;
    const portal = await this.#portalFor(statement, {});
    if (portal.local) {
      parameterDescription(w, []);
      if (portal.local !== "transaction" && portal.local.kind === "rows") {
        rowDescription(w, localFields(portal.local));
      } else {
        w.begin("n").end();
      }
      return;
    }
    const { client, database } = this.#opts;
    const prepared = await client.prepare(database, portal.sql);
    const declared = statement.paramTypes;
    parameterDescription(
      w,
      prepared.parameterTypes.map(
        (type, i) => declared[i] || (type === "UNKNOWN" ? 25 : pgTypeOf(type).oid),
      ),
    );
    const nulls = Object.fromEntries(prepared.parameterTypes.map((_, i) => [String(i + 1), null]));
    try {
      const described = await client.query<{ column_name: string; column_type: string }>(
        database,
        `DESCRIBE ${portal.sql}`,
        nulls,
      );
      rowDescription(
        w,
        described.rows.map((r) => {
          const t = pgTypeOf(r.column_type);
          return { name: r.column_name, oid: t.oid, typlen: t.typlen, typmod: t.typmod };
        }),
      );
    } catch {
      w.begin("n").end();
    }
  }

  async *#execute(message: Uint8Array): AsyncGenerator<Uint8Array> {
    const e = readExecute(message);
    const portal = this.#portals.get(e.portal);
    if (!portal) throw missing("portal", e.portal);
    yield* this.#run(portal, e.maxRows, false);
  }

  // ---- running a statement

  /** A portal for `statement` with `params`, after the compatibility layer. */
  async #portalFor(statement: Prepared, params: Record<string, unknown>): Promise<Portal> {
    const portal: Portal = { statement, params, sql: statement.sql };
    if (["BEGIN", "COMMIT", "ROLLBACK"].includes(statement.kind.tag)) {
      portal.local = "transaction";
      return portal;
    }
    const answer = await catalogAnswer(statement.sql, this.#opts.catalog);
    if (answer?.kind === "sql") portal.sql = answer.sql;
    else if (answer) portal.local = answer;
    return portal;
  }

  async #start(portal: Portal): Promise<StatementResult> {
    if (portal.result) return portal.result;
    const refused = this.#tx.refusal();
    if (refused) throw new PgException(refused);
    const cursor = cursorStatement(portal.sql);
    if (cursor?.verb === "DECLARE") {
      throw new PgException({
        severity: "ERROR",
        code: "0A000",
        message: "DECLARE CURSOR is supported through the simple query protocol only",
      });
    }
    const controller = new AbortController();
    this.#running = controller;
    try {
      portal.result = await StatementResult.open(
        portal.sql,
        portal.params,
        {
          client: this.#opts.client,
          database: this.#opts.database,
          timeoutSeconds: this.#opts.catalog.settings.timeoutSeconds(),
        },
        controller,
      );
      return portal.result;
    } finally {
      if (this.#running === controller) this.#running = undefined;
    }
  }

  /**
   * Runs (or resumes) a portal: its rows, then CommandComplete, or PortalSuspended when
   * `maxRows` stopped it. `describe` sends RowDescription first (the simple protocol).
   */
  async *#run(portal: Portal, maxRows: number, describe: boolean): AsyncGenerator<Uint8Array> {
    const w = this.#w;
    if (isBlank(portal.sql)) {
      empty(w, "I");
      return;
    }
    if (portal.local) {
      this.#runLocal(portal, describe);
      return;
    }
    const cursor = cursorStatement(portal.sql);
    if (cursor) {
      yield* this.#runCursor(cursor, describe);
      return;
    }
    const copy = copyOutStatement(portal.sql);
    if (copy) {
      yield* this.#copyOut(portal, copy);
      return;
    }
    const kind = portal.statement.kind;
    const result = await this.#start(portal);
    if (result.isCount(kind)) {
      commandComplete(w, commandTag(kind, result.affected()));
      this.#tx.ran(kind.tag);
      return;
    }
    if (describe) rowDescription(w, result.fields());
    this.#running = result.controller;
    try {
      const done = yield* result.writeRows(w, maxRows);
      if (this.#closed) return;
      if (done) {
        commandComplete(w, commandTag(kind, result.sent));
        this.#tx.ran(kind.tag);
      } else {
        w.begin("s").end();
      }
    } finally {
      if (this.#running === result.controller) this.#running = undefined;
    }
  }

  async *#copyOut(portal: Portal, copy: CopyOut): AsyncGenerator<Uint8Array> {
    const w = this.#w;
    const query: Portal = {
      ...portal,
      sql: copy.query,
      statement: { ...portal.statement, kind: commandKind(copy.query) },
    };
    const result = await this.#start(query);
    copyOutResponse(w, result.names().length);
    const writeRow = copyRowWriter(copy);
    if (copy.header) writeRow(w, result.names());
    this.#running = result.controller;
    try {
      yield* result.writeRows(w, 0, writeRow);
    } finally {
      if (this.#running === result.controller) this.#running = undefined;
    }
    w.begin("c").end();
    commandComplete(w, `COPY ${result.sent}`);
  }

  #runLocal(portal: Portal, describe: boolean): void {
    const w = this.#w;
    const local = portal.local!;
    if (local === "transaction") {
      const tag = portal.statement.kind.tag;
      if (tag === "BEGIN") this.#tx.begin();
      else if (tag === "COMMIT") this.#tx.commit();
      else {
        const error = this.#tx.rollback();
        if (error) throw new PgException(error);
      }
      commandComplete(w, tag);
      return;
    }
    if (local.kind === "error") throw new PgException(local.error);
    if (local.kind === "command") {
      commandComplete(w, local.tag);
      return;
    }
    if (local.kind === "rows") {
      if (describe) rowDescription(w, localFields(local));
      for (const row of local.rows) dataRow(w, row);
      commandComplete(w, `SELECT ${local.rows.length}`);
    }
  }

  /** DECLARE name CURSOR FOR q, FETCH [n] FROM name, MOVE, CLOSE name. */
  async *#runCursor(c: CursorStatement, describe: boolean): AsyncGenerator<Uint8Array> {
    const w = this.#w;
    if (c.verb === "DECLARE") {
      if (this.#tx.status === "I" && !/\bWITH\s+HOLD\b/i.test(c.rest)) {
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
      this.#cursors.get(c.name)?.result.close();
      const portal = await this.#portalFor(
        { sql: query, paramTypes: [], kind: commandKind(query) },
        {},
      );
      this.#cursors.set(c.name, { result: await this.#start(portal) });
      commandComplete(w, "DECLARE CURSOR");
      return;
    }
    const cursor = this.#cursors.get(c.name);
    if (!cursor) throw missing("cursor", c.name);
    if (c.verb === "CLOSE") {
      cursor.result.close();
      this.#cursors.delete(c.name);
      commandComplete(w, "CLOSE CURSOR");
      return;
    }
    const count = /^(FORWARD\s+)?ALL\b/i.test(c.count) ? 0 : Number(/\d+/.exec(c.count)?.[0] ?? 1);
    if (describe && c.verb === "FETCH") rowDescription(w, cursor.result.fields());
    const before = cursor.result.sent;
    if (c.verb === "FETCH") {
      yield* cursor.result.writeRows(w, count);
    } else {
      // MOVE: read and drop.
      const scratch = new MessageWriter();
      for await (const _ of cursor.result.writeRows(scratch, count)) scratch.take();
    }
    commandComplete(w, `${c.verb} ${cursor.result.sent - before}`);
  }

  #dropPortal(name: string): void {
    this.#portals.get(name)?.result?.close();
    this.#portals.delete(name);
  }

  #closeStreams(): void {
    for (const name of [...this.#portals.keys()]) this.#dropPortal(name);
    for (const cursor of this.#cursors.values()) cursor.result.close();
    this.#cursors.clear();
  }
}

function missing(what: string, name: string): PgException {
  const code = what === "portal" ? "34000" : what === "cursor" ? "34000" : "26000";
  return new PgException({ severity: "ERROR", code, message: `${what} "${name}" does not exist` });
}

function localFields(answer: Extract<CatalogAnswer, { kind: "rows" }>) {
  return answer.columns.map((c) => {
    const t = pgTypeOf(c.type);
    return { name: c.name, oid: t.oid, typlen: t.typlen, typmod: t.typmod };
  });
}

interface CursorStatement {
  verb: "DECLARE" | "FETCH" | "MOVE" | "CLOSE";
  name: string;
  count: string;
  rest: string;
}

/** The SQL cursor statements the gateway runs itself (DuckDB has no cursors). */
function cursorStatement(sql: string): CursorStatement | undefined {
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
