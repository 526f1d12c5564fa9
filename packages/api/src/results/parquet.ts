import { Readable } from "node:stream";
import type { Column, QueryBatch } from "@isa-cloud/duckdb-client";
import { Table, tableToIPC } from "apache-arrow";
import { recordBatches } from "./arrow.js";

/** Rows per Parquet row group: the writer holds one row group in memory at a time. */
export const PARQUET_ROW_GROUP_ROWS = 65_536;

/**
 * A Parquet file (application/vnd.apache.parquet) written as the result streams in, by
 * parquet-wasm (the Rust `parquet` crate): each batch goes in as Arrow, row groups of
 * PARQUET_ROW_GROUP_ROWS go out as soon as they are full, Snappy compressed. Memory
 * stays at about one row group whatever the result's size. Column types as for Arrow.
 */
export async function parquetStream(
  columns: readonly Column[],
  batches: AsyncIterable<QueryBatch<Record<string, unknown>>>,
): Promise<Readable> {
  // Loaded on first use: the WebAssembly module is 5 MB the other formats do not need.
  const pq = await import("parquet-wasm");
  const source = recordBatches(columns, batches);
  const input = new ReadableStream({
    async pull(controller) {
      const next = await source.next();
      if (next.done) {
        controller.close();
        return;
      }
      // Into WebAssembly memory through the IPC format: the one door parquet-wasm has.
      const table = pq.Table.fromIPCStream(tableToIPC(new Table(next.value), "stream"));
      for (const batch of table.recordBatches()) controller.enqueue(batch);
    },
    async cancel() {
      await source.return(undefined);
    },
  });
  const properties = new pq.WriterPropertiesBuilder()
    .setMaxRowGroupSize(PARQUET_ROW_GROUP_ROWS)
    .setCompression(pq.Compression.SNAPPY)
    .build();
  const output = await pq.transformParquetStream(input, properties);
  return Readable.fromWeb(output as import("node:stream/web").ReadableStream);
}
