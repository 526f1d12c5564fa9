import type { Column, DuckdbClient } from "@isa-cloud/duckdb-client";
import type { CommandKind } from "./command-tag.js";
import { type PgType, pgTypeOf } from "./pg-types.js";
import { dataRow, type FieldDescription, type MessageWriter } from "./protocol/backend.js";

type Row = Record<string, unknown>;

/** Bytes of DataRows gathered before they go to the socket as one write. */
const FLUSH_BYTES = 64 * 1024;

export interface RunOptions {
  client: DuckdbClient;
  database: string;
  /** statement_timeout, whole seconds; 0 = the service's default. */
  timeoutSeconds: number;
}

/**
 * One statement running on the analytics service, read as the service streams it
 * (ExecuteQueryColumnar through duckdb-client): rows are encoded into DataRows chunk by
 * chunk as they arrive, so memory holds one chunk whatever the result's size, and a
 * portal suspended by Execute's row limit resumes where it stopped.
 */
export class StatementResult {
  #batches: AsyncIterator<{ columns: Column[]; rows: Row[] }>;
  /** Aborting it cancels the call, and the service stops the query. */
  readonly controller: AbortController;
  #rows: Row[] = [];
  #index = 0;
  #done = false;
  #columns: Column[] = [];
  #types: PgType[] = [];
  /** Rows sent so far: the count of `SELECT n` / `FETCH n`. */
  sent = 0;

  private constructor(
    batches: AsyncIterator<{ columns: Column[]; rows: Row[] }>,
    controller: AbortController,
  ) {
    this.#batches = batches;
    this.controller = controller;
  }

  /** Starts the statement and waits for its first chunk, which names the columns. */
  static async open(
    sql: string,
    params: Record<string, unknown>,
    opts: RunOptions,
    controller: AbortController,
  ): Promise<StatementResult> {
    const stream = opts.client.queryStream<Row>(opts.database, sql, params, {
      timestamps: "micros",
      signal: controller.signal,
      ...(opts.timeoutSeconds > 0 ? { timeoutSeconds: opts.timeoutSeconds } : {}),
    });
    const result = new StatementResult(stream.batches()[Symbol.asyncIterator](), controller);
    await result.#pull();
    return result;
  }

  /**
   * Stops the call if it is still streaming (a portal closed before its end, a client
   * gone). The signal, not the iterator's return(): return() would wait for a pending
   * read, which a long query may not answer for minutes.
   */
  close(): void {
    this.#done = true;
    this.controller.abort();
  }

  async #pull(): Promise<boolean> {
    for (;;) {
      const next = await this.#batches.next();
      if (next.done) {
        this.#done = true;
        return false;
      }
      if (this.#types.length === 0 && next.value.columns.length > 0) {
        this.#columns = next.value.columns;
        this.#types = this.#columns.map((c) => pgTypeOf(c.type));
      }
      this.#rows = next.value.rows;
      this.#index = 0;
      if (this.#rows.length > 0) return true;
    }
  }

  /**
   * Whether this is DuckDB's answer to a write or DDL (one BIGINT column "Count": the rows
   * changed) rather than rows to show. A statement tagged SELECT always shows rows; INSERT
   * ... RETURNING has its own columns.
   */
  isCount(kind: CommandKind): boolean {
    return (
      kind.tag !== "SELECT" &&
      this.#columns.length === 1 &&
      this.#columns[0]!.name === "Count" &&
      this.#columns[0]!.type === "BIGINT"
    );
  }

  /** Rows changed by a write: the Count value (0 for DDL, which answers no row). */
  affected(): number {
    const row = this.#index < this.#rows.length ? this.#rows[this.#index] : undefined;
    this.close();
    return row ? Number(row.Count) : 0;
  }

  /** Column names, as a CSV header gives them. */
  names(): string[] {
    return this.#columns.map((c) => c.name);
  }

  fields(): FieldDescription[] {
    return this.#columns.map((c, i) => ({
      name: c.name,
      oid: this.#types[i]!.oid,
      typlen: this.#types[i]!.typlen,
      typmod: this.#types[i]!.typmod,
    }));
  }

  /**
   * Writes up to `max` rows (0 = all) as DataRows, handing full buffers out as it goes.
   * Returns true when the result is exhausted, false when `max` stopped it.
   */
  async *writeRows(
    w: MessageWriter,
    max: number,
    writeRow: (w: MessageWriter, cells: readonly (string | null)[]) => void = dataRow,
  ): AsyncGenerator<Uint8Array, boolean> {
    const keys = this.#columns.map((c) => c.name);
    const texts = this.#types.map((t) => t.text);
    const cells = new Array<string | null>(keys.length);
    let written = 0;
    for (;;) {
      while (this.#index < this.#rows.length) {
        if (max > 0 && written === max) return false;
        const row = this.#rows[this.#index++]!;
        for (let c = 0; c < keys.length; c++) {
          const v = row[keys[c]!];
          cells[c] = v === null || v === undefined ? null : texts[c]!(v);
        }
        writeRow(w, cells);
        written++;
        this.sent++;
        if (w.length >= FLUSH_BYTES) yield w.take();
      }
      if (this.#done || !(await this.#pull())) return true;
    }
  }
}
