import { commandKind } from "./command-tag.js";
import { toPgError } from "./error-mapping.js";
import { ExtendedProtocol } from "./extended-protocol.js";
import { PgException } from "./pg-exception.js";
import { empty, errorResponse, MessageWriter, readyForQuery } from "./protocol/backend.js";
import { ProtocolError, readQuery } from "./protocol/frontend.js";
import { splitStatements } from "./sql-split.js";
import { type SessionOptions, StatementRunner } from "./statement-runner.js";
import { TransactionBlock } from "./transaction-block.js";

export type { SessionOptions } from "./statement-runner.js";

/**
 * One authenticated connection's query cycle: the message loop, the simple protocol
 * (Query) and error recovery. The extended protocol's statements and portals are
 * `ExtendedProtocol`'s, running a statement (service call, gateway answer, COPY) is
 * `StatementRunner`'s, SQL cursors are `SqlCursors`', BEGIN/COMMIT/ROLLBACK
 * `TransactionBlock`'s. Each statement goes to the analytics service through
 * duckdb-client with the caller's token, after the compatibility layer (`catalog/`).
 */
export class Session {
  readonly #tx = new TransactionBlock();
  readonly #w = new MessageWriter();
  readonly #runner: StatementRunner;
  readonly #extended: ExtendedProtocol;
  /** After an error in the extended protocol, messages are skipped until Sync. */
  #skipping = false;

  constructor(opts: SessionOptions) {
    this.#runner = new StatementRunner(opts, this.#w, this.#tx);
    this.#extended = new ExtendedProtocol(this.#runner);
  }

  /** CancelRequest: stops the statement running now, if any. */
  cancel(): void {
    this.#runner.cancel();
  }

  /** The connection is gone: stop what runs and every open stream. */
  close(): void {
    this.#runner.close();
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
        this.#extended.parse(message);
      } else if (code === "B") {
        await this.#extended.bind(message);
      } else if (code === "D") {
        await this.#extended.describe(message);
      } else if (code === "E") {
        yield* this.#extended.execute(message);
      } else if (code === "C") {
        this.#extended.close(message);
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
      if (this.#runner.closed) return true;
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

  /** Query: each statement of the string as an unnamed portal, rows described first. */
  async *#simpleQuery(sql: string): AsyncGenerator<Uint8Array> {
    const statements = splitStatements(sql);
    if (statements.length === 0) empty(this.#w, "I");
    for (const statement of statements) {
      const portal = await this.#runner.portalFor(
        { sql: statement, paramTypes: [], kind: commandKind(statement) },
        {},
      );
      try {
        yield* this.#runner.run(portal, 0, true);
      } finally {
        portal.result?.close();
      }
    }
    readyForQuery(this.#w, this.#tx.status);
  }

  #closeStreams(): void {
    this.#extended.closePortals();
    this.#runner.cursors.closeAll();
  }
}
