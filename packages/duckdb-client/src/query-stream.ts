import type { ColumnVector } from "./column-vector.js";
import type { Column } from "./row-decoder.js";
import type { ColumnBatch, QueryBatch } from "./types.js";

/**
 * @internal One chunk as a transport yields it: its rows and its vectors are each made
 * only if the reader asks for them.
 */
export interface StreamChunk<T> {
  columns: Column[];
  rowCount: number;
  rows(): T[];
  vectors(): ColumnVector[];
}

/**
 * A streamed query result: iterate it for rows, `batches()` for the rows of each chunk
 * as it arrives, or `columnBatches()` for each chunk column by column (the fastest:
 * nothing is decoded that is not read). The call starts on iteration; leaving the loop
 * early (break, return, throw) or aborting the signal cancels it, and the service stops
 * the query. A stream can be iterated once.
 */
export class QueryStream<T> implements AsyncIterable<T> {
  #started = false;
  #columns: Column[] | undefined;
  readonly #open: () => AsyncIterable<StreamChunk<T>>;

  /** @internal */
  constructor(open: () => AsyncIterable<StreamChunk<T>>) {
    this.#open = open;
  }

  /** The result's columns, once the first chunk has arrived. */
  get columns(): Column[] | undefined {
    return this.#columns;
  }

  async *batches(): AsyncGenerator<QueryBatch<T>, void, undefined> {
    for await (const chunk of this.#chunks()) yield { columns: chunk.columns, rows: chunk.rows() };
  }

  /**
   * Each chunk that holds rows as one vector per column: typed arrays over the received
   * bytes for numbers and timestamps, text decoded per column on first use (see
   * `ColumnVector`). An empty result yields nothing; `columns` still names its columns.
   */
  async *columnBatches(): AsyncGenerator<ColumnBatch, void, undefined> {
    for await (const chunk of this.#chunks()) {
      if (chunk.rowCount === 0) continue;
      yield { columns: chunk.columns, rowCount: chunk.rowCount, vectors: chunk.vectors() };
    }
  }

  async *#chunks(): AsyncGenerator<StreamChunk<T>, void, undefined> {
    if (this.#started) throw new Error("a QueryStream can be iterated only once");
    this.#started = true;
    for await (const chunk of this.#open()) {
      this.#columns = chunk.columns;
      yield chunk;
    }
  }

  /**
   * Rows one by one. Written out rather than `yield*` over each batch: an async
   * generator costs several promise hops per row, this one resolved promise.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    const batches = this.batches();
    let rows: T[] = [];
    let index = 0;
    const pull = async (): Promise<IteratorResult<T, undefined>> => {
      for (;;) {
        const next = await batches.next();
        if (next.done) return { value: undefined, done: true };
        rows = next.value.rows;
        index = 0;
        if (rows.length > 0) return { value: rows[index++]!, done: false };
      }
    };
    return {
      next: () =>
        index < rows.length ? Promise.resolve({ value: rows[index++]!, done: false }) : pull(),
      // Called by for-await on break, return or throw: ends the call.
      return: async () => {
        rows = [];
        await batches.return();
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }
}
