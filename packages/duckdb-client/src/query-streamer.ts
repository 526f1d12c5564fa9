import type { duckdb } from "@isa-cloud/proto";
import { IsaError } from "@isa-cloud/rpc/wire";
import { Status } from "nice-grpc-common";
import { vectorOfValues } from "./column-vector.js";
import { createColumnarDecoder } from "./columnar-decoder.js";
import type { ColumnarFrame } from "./columnar-frame.js";
import { assertSuccess, invalidArgument } from "./errors.js";
import { type Params, queryDecodeOptions, queryRequest } from "./query-request.js";
import { QueryStream, type StreamChunk } from "./query-stream.js";
import { createRowDecoder } from "./row-decoder.js";
import { type ClientContext, callOptions } from "./rpc-context.js";
import type { CallOptions, StreamOptions } from "./types.js";
import type { DecodeOptions } from "./value-decoder.js";

const TRANSPORTS: ReadonlyArray<StreamOptions["transport"]> = ["auto", "columnar", "rows"];

/**
 * Opens streamed queries over ExecuteQueryColumnar or ExecuteQueryStream. A class for
 * one piece of state: whether the service has the columnar call, learnt by the first
 * stream that asks, so later ones do not ask a service that lacks it again.
 */
export class QueryStreamer {
  readonly #ctx: ClientContext;
  /** Whether the service has ExecuteQueryColumnar; undefined until a stream finds out. */
  readonly #service: { columnar?: boolean };

  constructor(ctx: ClientContext, service: { columnar?: boolean } = {}) {
    this.#ctx = ctx;
    this.#service = service;
  }

  /** A streamer for another context (another caller's token) of the same service. */
  withContext(ctx: ClientContext): QueryStreamer {
    return new QueryStreamer(ctx, this.#service);
  }

  open<T>(
    db: string,
    sql: string,
    params: Params | undefined,
    opts: StreamOptions,
  ): QueryStream<T> {
    const decode = queryDecodeOptions(this.#ctx, opts);
    const transport = opts.transport ?? "auto";
    return new QueryStream<T>(() => {
      // Options and parameters are checked when iteration starts, still before the call.
      if (!TRANSPORTS.includes(transport)) {
        throw invalidArgument(
          "executeQueryStream",
          `transport must be "auto", "columnar" or "rows"`,
        );
      }
      const request = queryRequest(this.#ctx, "executeQueryStream", db, sql, params, opts);
      const call = callOptions(opts);
      if (transport === "rows" || (transport === "auto" && this.#service.columnar === false)) {
        return this.#rowBatches<T>(request, call, decode);
      }
      return this.#columnarBatches<T>(request, call, decode, transport === "auto");
    });
  }

  async *#rowBatches<T>(
    request: duckdb.ExecuteQueryRequest,
    call: CallOptions,
    decodeOptions: DecodeOptions,
  ): AsyncGenerator<StreamChunk<T>> {
    let decoder: ReturnType<typeof createRowDecoder<T>> | undefined;
    for await (const chunk of this.#ctx.rpc.executeQueryStream(request, call)) {
      assertSuccess("executeQueryStream", chunk);
      decoder ??= createRowDecoder<T>(chunk.columns, chunk.columnTypes, decodeOptions);
      const rows = chunk.rows;
      const out = new Array<T>(rows.length);
      for (let i = 0; i < rows.length; i++) out[i] = decoder.decode(rows[i]!);
      const columns = decoder.columns;
      yield {
        columns,
        rowCount: out.length,
        rows: () => out,
        // The rows transport has no packed vectors: each column of the decoded rows.
        vectors: () =>
          columns.map((column) =>
            vectorOfValues(
              column,
              out.map((row) => (row as Record<string, unknown>)[column.name]),
            ),
          ),
      };
    }
  }

  /**
   * With `fallback`, a service without ExecuteQueryColumnar (UNIMPLEMENTED, which can
   * only come before the first chunk) gets the row-by-row call instead, and this
   * streamer remembers not to ask again.
   */
  async *#columnarBatches<T>(
    request: duckdb.ExecuteQueryRequest,
    call: CallOptions,
    decodeOptions: DecodeOptions,
    fallback: boolean,
  ): AsyncGenerator<StreamChunk<T>> {
    const chunks = this.#ctx.rpc.executeQueryColumnar(request, call)[Symbol.asyncIterator]();
    try {
      let next: IteratorResult<ColumnarFrame>;
      try {
        next = await chunks.next();
      } catch (err) {
        if (fallback && err instanceof IsaError && err.code === Status.UNIMPLEMENTED) {
          this.#service.columnar = false;
          yield* this.#rowBatches<T>(request, call, decodeOptions);
          return;
        }
        throw err;
      }
      this.#service.columnar = true;
      let decoder: ReturnType<typeof createColumnarDecoder<T>> | undefined;
      while (!next.done) {
        const frame = next.value;
        decoder ??= createColumnarDecoder<T>(frame.columns, frame.columnTypes, decodeOptions);
        const { columns, rows } = decoder;
        const vectors = decoder.vectors(frame);
        yield {
          columns,
          rowCount: frame.rowCount,
          rows: () => rows(vectors),
          vectors: () => vectors,
        };
        next = await chunks.next();
      }
    } finally {
      // Leaving early cancels the call (nice-grpc cancels on return()).
      await chunks.return?.();
    }
  }
}
