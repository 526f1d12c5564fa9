import type { Column, QueryBatch } from "@isa-cloud/duckdb-client";
import { jsonEncoders, jsonRowEncoder } from "./json-values.js";

type Batches = AsyncIterable<QueryBatch<Record<string, unknown>>>;

/** One JSON object per line (application/x-ndjson), one chunk per batch. */
export async function* ndjson(columns: readonly Column[], batches: Batches) {
  const encode = jsonRowEncoder(columns);
  for await (const batch of batches) {
    let text = "";
    for (const row of batch.rows) text += `${JSON.stringify(encode(row))}\n`;
    if (text) yield Buffer.from(text);
  }
}

/** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. */
function csvField(value: unknown): string {
  if (value === null) return "";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * text/csv with a header row, CRLF line ends (RFC 4180). Values as in JSON (so 64-bit
 * integers exact); NULL is an empty field, nested values their JSON text.
 */
export async function* csv(columns: readonly Column[], batches: Batches) {
  const encoders = jsonEncoders(columns);
  yield Buffer.from(`${columns.map((c) => csvField(c.name)).join(",")}\r\n`);
  for await (const batch of batches) {
    let text = "";
    for (const row of batch.rows) {
      for (let i = 0; i < columns.length; i++) {
        if (i > 0) text += ",";
        text += csvField(encoders[i]!(row[columns[i]!.name]));
      }
      text += "\r\n";
    }
    if (text) yield Buffer.from(text);
  }
}
