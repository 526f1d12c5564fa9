import { parquetMetadataAsync, parquetReadObjects } from "hyparquet";
import type { ApiClient } from "./api.js";
import { filePath } from "./api.js";

export interface ParquetPreview {
  rowCount: string;
  schema: Array<{ name: string; type: string }>;
  rows: Record<string, unknown>[];
}

/**
 * Schema and first rows of a stored Parquet file, read in the browser with hyparquet over
 * HTTP Range requests: only the footer and the first row group's pages are fetched, not
 * the whole file. (The API's SQL cannot read stored files, so a query cannot do this.)
 */
export async function previewParquet(
  api: ApiClient,
  key: string,
  size: number,
  rows: number,
): Promise<ParquetPreview> {
  const file = {
    byteLength: size,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const last = (end ?? size) - 1;
      const response = await api.fetch(filePath(key), {
        headers: { range: `bytes=${start}-${last}` },
      });
      const bytes = await response.arrayBuffer();
      // An API without Range support answers 200 with the whole file: cut it here.
      return response.status === 206 ? bytes : bytes.slice(start, last + 1);
    },
  };
  const metadata = await parquetMetadataAsync(file);
  const schema = metadata.schema.slice(1).map((element) => ({
    name: element.name,
    type: String(element.logical_type?.type ?? element.converted_type ?? element.type ?? "GROUP"),
  }));
  const firstRows = await parquetReadObjects({ file, metadata, rowStart: 0, rowEnd: rows });
  return { rowCount: String(metadata.num_rows), schema, rows: firstRows };
}
