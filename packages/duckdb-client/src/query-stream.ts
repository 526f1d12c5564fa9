import type { Column } from "./row-decoder.js";
import type { QueryBatch } from "./types.js";

/**
 * A streamed query result: iterate it for rows, or `batches()` for the chunks as
 * they arrive. The call starts on iteration; leaving the loop early (break, return,
 * throw) or aborting the signal cancels it, and the service stops the query.
 * A stream can be iterated once.
 */
export class QueryStream<T> implements AsyncIterable<T> {
  #started = false;
  #columns: Column[] | undefined;
  readonly #open: () => AsyncIterable<QueryBatch<T>>;

  /** @internal */
  constructor(open: () => AsyncIterable<QueryBatch<T>>) {
    this.#open = open;
  }

  /** The result's columns, once the first chunk has arrived. */
  get columns(): Column[] | undefined {
    return this.#columns;
  }

  async *batches(): AsyncGenerator<QueryBatch<T>, void, undefined> {
    if (this.#started) throw new Error("a QueryStream can be iterated only once");
    this.#started = true;
    for await (const batch of this.#open()) {
      this.#columns = batch.columns;
      yield batch;
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
