import type { DuckdbClient } from "@isa-cloud/duckdb-client";
import type { CatalogContext } from "./catalog/index.js";
import { commandKind, commandTag } from "./command-tag.js";
import { type CopyOut, copyOutResponse, copyOutStatement, copyRowWriter } from "./copy-out.js";
import { PgException } from "./pg-exception.js";
import { localFields, type Portal, type Prepared, portalFor } from "./portal.js";
import {
  commandComplete,
  dataRow,
  empty,
  type MessageWriter,
  rowDescription,
} from "./protocol/backend.js";
import { cursorStatement, SqlCursors } from "./sql-cursors.js";
import { isBlank } from "./sql-split.js";
import { StatementResult } from "./statement-result.js";
import type { TransactionBlock } from "./transaction-block.js";

export interface SessionOptions {
  /** duckdb-client acting for the caller: every call carries their token. */
  client: DuckdbClient;
  database: string;
  catalog: CatalogContext;
}

/**
 * Runs one portal to the wire, whichever protocol made it: a statement of the analytics
 * service (streamed), an answer of the gateway itself (SET, SHOW, BEGIN...), a SQL cursor
 * statement or COPY TO STDOUT. Holds what every run of a connection shares: the writer,
 * the transaction block and the call running now (the one CancelRequest aborts).
 */
export class StatementRunner {
  readonly cursors = new SqlCursors(this);
  /** The call running now; aborted by CancelRequest and by the client going away. */
  #running: AbortController | undefined;
  #closed = false;

  constructor(
    readonly opts: SessionOptions,
    readonly w: MessageWriter,
    readonly tx: TransactionBlock,
  ) {}

  /** The connection is gone: nothing more is written. */
  get closed(): boolean {
    return this.#closed;
  }

  /** CancelRequest: stops the statement running now, if any. */
  cancel(): void {
    this.#running?.abort();
  }

  close(): void {
    this.#closed = true;
    this.cancel();
  }

  /** A portal for `statement` with `params`, after the compatibility layer. */
  portalFor(statement: Prepared, params: Record<string, unknown>): Promise<Portal> {
    return portalFor(statement, params, this.opts.catalog);
  }

  /** Starts the portal's statement on the service (once); its columns are known after. */
  async start(portal: Portal): Promise<StatementResult> {
    if (portal.result) return portal.result;
    const refused = this.tx.refusal();
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
          client: this.opts.client,
          database: this.opts.database,
          timeoutSeconds: this.opts.catalog.settings.timeoutSeconds(),
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
  async *run(portal: Portal, maxRows: number, describe: boolean): AsyncGenerator<Uint8Array> {
    const w = this.w;
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
      yield* this.cursors.run(cursor, describe);
      return;
    }
    const copy = copyOutStatement(portal.sql);
    if (copy) {
      yield* this.#copyOut(portal, copy);
      return;
    }
    const kind = portal.statement.kind;
    const result = await this.start(portal);
    if (result.isCount(kind)) {
      commandComplete(w, commandTag(kind, result.affected()));
      this.tx.ran(kind.tag);
      return;
    }
    if (describe) rowDescription(w, result.fields());
    const done = yield* this.#stream(result, maxRows);
    if (this.#closed) return;
    if (done) {
      commandComplete(w, commandTag(kind, result.sent));
      this.tx.ran(kind.tag);
    } else {
      w.begin("s").end();
    }
  }

  /** Writes up to `maxRows` rows (0: all) of a started result, cancellable meanwhile. */
  async *#stream(
    result: StatementResult,
    maxRows: number,
    writeRow?: Parameters<StatementResult["writeRows"]>[2],
  ): AsyncGenerator<Uint8Array, boolean> {
    this.#running = result.controller;
    try {
      return yield* result.writeRows(this.w, maxRows, writeRow);
    } finally {
      if (this.#running === result.controller) this.#running = undefined;
    }
  }

  async *#copyOut(portal: Portal, copy: CopyOut): AsyncGenerator<Uint8Array> {
    const w = this.w;
    const query: Portal = {
      ...portal,
      sql: copy.query,
      statement: { ...portal.statement, kind: commandKind(copy.query) },
    };
    const result = await this.start(query);
    copyOutResponse(w, result.names().length);
    const writeRow = copyRowWriter(copy);
    if (copy.header) writeRow(w, result.names());
    yield* this.#stream(result, 0, writeRow);
    w.begin("c").end();
    commandComplete(w, `COPY ${result.sent}`);
  }

  #runLocal(portal: Portal, describe: boolean): void {
    const w = this.w;
    const local = portal.local!;
    if (local === "transaction") {
      const tag = portal.statement.kind.tag;
      if (tag === "BEGIN") this.tx.begin();
      else if (tag === "COMMIT") this.tx.commit();
      else {
        const error = this.tx.rollback();
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
}
