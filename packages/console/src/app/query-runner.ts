import type { ApiClient } from "./api.js";
import { ndjsonBatches } from "./ndjson.js";
import { RowStore } from "./row-store.js";

/** Rows the grid keeps; beyond this the result is cut and the person is told to export. */
export const GRID_ROW_LIMIT = 2_000_000;

export interface QueryOutcome {
  store: RowStore;
  /** Column types, when the answer carried them (JSON answers do, NDJSON does not). */
  types: Record<string, string>;
  /** The rows stop at GRID_ROW_LIMIT or the JSON page's cap. */
  truncated: boolean;
  /** From the request to the first rows shown, ms. */
  firstRowsMs: number;
  totalMs: number;
}

/**
 * Runs one statement and streams its rows into a RowStore: the API's NDJSON answer
 * (every row, as it is computed) when offered, else its one JSON page. `onRows` runs
 * after each page arrives so the grid can draw what is there.
 */
export async function runQuery(
  api: ApiClient,
  sql: string,
  signal: AbortSignal,
  onRows: (store: RowStore) => void,
): Promise<QueryOutcome> {
  const started = performance.now();
  const response = await api.fetch("/api/v1/data/query", {
    method: "POST",
    signal,
    headers: {
      "content-type": "application/json",
      accept: "application/x-ndjson, application/json;q=0.5",
    },
    body: JSON.stringify({ sql }),
  });
  const store = new RowStore();
  let firstRowsMs = -1;
  let truncated = false;
  const types: Record<string, string> = {};
  const type = response.headers.get("content-type") ?? "";
  if (type.includes("ndjson") && response.body) {
    for await (const batch of ndjsonBatches(response.body)) {
      store.appendObjects(batch.slice(0, GRID_ROW_LIMIT - store.size));
      if (firstRowsMs < 0) firstRowsMs = performance.now() - started;
      onRows(store);
      if (store.size >= GRID_ROW_LIMIT) {
        truncated = true;
        break;
      }
    }
  } else {
    const page = (await response.json()) as {
      columns: Array<{ name: string; type: string }>;
      rows: Record<string, unknown>[];
      truncated: boolean;
    };
    for (const column of page.columns) {
      types[column.name] = column.type;
      if (!store.columns.includes(column.name)) store.columns.push(column.name);
    }
    store.appendObjects(page.rows);
    truncated = page.truncated;
    firstRowsMs = performance.now() - started;
    onRows(store);
  }
  const totalMs = performance.now() - started;
  return { store, types, truncated, firstRowsMs: firstRowsMs < 0 ? totalMs : firstRowsMs, totalMs };
}

/** Downloads a statement's whole result as CSV or Parquet through the API's Accept formats. */
export async function exportResult(
  api: ApiClient,
  sql: string,
  format: "csv" | "parquet",
  signal: AbortSignal,
): Promise<void> {
  const response = await api.fetch("/api/v1/data/query", {
    method: "POST",
    signal,
    headers: {
      "content-type": "application/json",
      accept: format === "csv" ? "text/csv" : "application/vnd.apache.parquet",
    },
    body: JSON.stringify({ sql }),
  });
  saveBlob(await response.blob(), `result.${format}`);
}

/** Offers a blob as a download named `name`. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.click();
  // The click starts the download synchronously; the URL can go once it has.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
