import { invalidArgument } from "./errors.js";

export type ImportFormat = "csv" | "json" | "parquet";

export const IMPORT_FORMATS: readonly ImportFormat[] = ["csv", "json", "parquet"];

const BY_EXTENSION: Record<string, ImportFormat> = {
  csv: "csv",
  tsv: "csv",
  json: "json",
  ndjson: "json",
  jsonl: "json",
  parquet: "parquet",
  pq: "parquet",
};

/** The format given, or the one the file's extension names; InvalidArgumentError when neither tells. */
export function resolveImportFormat(key: string, format?: string): ImportFormat {
  if (format !== undefined) {
    if (!(IMPORT_FORMATS as readonly string[]).includes(format)) {
      throw invalidArgument(`format must be one of ${IMPORT_FORMATS.join(", ")}, got "${format}"`);
    }
    return format as ImportFormat;
  }
  const extension = /\.([A-Za-z0-9]+)$/.exec(key)?.[1]?.toLowerCase();
  const guessed = extension ? BY_EXTENSION[extension] : undefined;
  if (!guessed) {
    throw invalidArgument(
      `cannot tell the format of "${key}" from its extension; pass format (${IMPORT_FORMATS.join(", ")})`,
    );
  }
  return guessed;
}

const CONTENT_TYPES: Record<string, string> = {
  csv: "text/csv",
  tsv: "text/tab-separated-values",
  json: "application/json",
  ndjson: "application/x-ndjson",
  jsonl: "application/x-ndjson",
  parquet: "application/vnd.apache.parquet",
  txt: "text/plain",
};

/** A content type from the file name, for uploads that do not say. */
export function contentTypeFor(key: string): string {
  const extension = /\.([A-Za-z0-9]+)$/.exec(key)?.[1]?.toLowerCase();
  return (extension && CONTENT_TYPES[extension]) || "application/octet-stream";
}
