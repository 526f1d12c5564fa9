import { ServerError, Status } from "nice-grpc";
import { sqlString } from "./sql-text.js";

export type FileFormat = "csv" | "parquet" | "json";

const READERS: Record<FileFormat, { fn: string; options: Record<string, string> }> = {
  csv: {
    fn: "read_csv",
    options: {
      header: "header",
      delimiter: "delim",
      delim: "delim",
      sep: "delim",
      quote: "quote",
      escape: "escape",
      dateformat: "dateformat",
      timestampformat: "timestampformat",
      nullstr: "nullstr",
      skip: "skip",
      auto_detect: "auto_detect",
      all_varchar: "all_varchar",
      sample_size: "sample_size",
      new_line: "new_line",
      ignore_errors: "ignore_errors",
      compression: "compression",
      decimal_separator: "decimal_separator",
      comment: "comment",
      max_line_size: "max_line_size",
      null_padding: "null_padding",
      strict_mode: "strict_mode",
      normalize_names: "normalize_names",
      encoding: "encoding",
    },
  },
  json: {
    fn: "read_json",
    options: {
      format: "format",
      records: "records",
      dateformat: "dateformat",
      timestampformat: "timestampformat",
      compression: "compression",
      ignore_errors: "ignore_errors",
      maximum_object_size: "maximum_object_size",
      sample_size: "sample_size",
      maximum_depth: "maximum_depth",
    },
  },
  parquet: {
    fn: "read_parquet",
    options: { binary_as_string: "binary_as_string" },
  },
};

const WRITERS: Record<FileFormat, Record<string, string>> = {
  csv: {
    header: "HEADER",
    delimiter: "DELIMITER",
    delim: "DELIMITER",
    sep: "DELIMITER",
    quote: "QUOTE",
    escape: "ESCAPE",
    dateformat: "DATEFORMAT",
    timestampformat: "TIMESTAMPFORMAT",
    nullstr: "NULLSTR",
    compression: "COMPRESSION",
  },
  parquet: { compression: "COMPRESSION", row_group_size: "ROW_GROUP_SIZE" },
  json: {
    array: "ARRAY",
    compression: "COMPRESSION",
    dateformat: "DATEFORMAT",
    timestampformat: "TIMESTAMPFORMAT",
  },
};

export function fileFormat(text: string): FileFormat {
  const format = text.trim().toLowerCase();
  if (format === "csv" || format === "parquet" || format === "json") return format;
  throw new ServerError(
    Status.INVALID_ARGUMENT,
    `format ${JSON.stringify(text)} is not supported: use "csv", "parquet" or "json"`,
  );
}

function optionName(table: Record<string, string>, key: string, format: FileFormat): string {
  const name = table[key.toLowerCase()];
  if (!name) {
    throw new ServerError(
      Status.INVALID_ARGUMENT,
      `option ${JSON.stringify(key)} is not supported for ${format}; supported: ${Object.keys(table).join(", ")}`,
    );
  }
  return name;
}

/**
 * The table function call reading a staged file: `read_csv('<path>', header = 'true')`.
 * Option names come from an allowlist and values are string literals (DuckDB casts them to
 * the option's type), so request options cannot add SQL.
 */
export function readerCall(
  format: FileFormat,
  path: string,
  options: Readonly<Record<string, string>>,
): string {
  const reader = READERS[format];
  const args = [sqlString(path)];
  for (const [key, value] of Object.entries(options)) {
    args.push(`${optionName(reader.options, key, format)} = ${sqlString(value)}`);
  }
  return `${reader.fn}(${args.join(", ")})`;
}

/** The option list of a COPY ... TO in `format`: `(FORMAT csv, HEADER 'true')`. */
export function writerOptions(
  format: FileFormat,
  options: Readonly<Record<string, string>>,
): string {
  const parts = [`FORMAT ${format}`];
  for (const [key, value] of Object.entries(options)) {
    parts.push(`${optionName(WRITERS[format], key, format)} ${sqlString(value)}`);
  }
  return `(${parts.join(", ")})`;
}

export const CONTENT_TYPES: Record<FileFormat, string> = {
  csv: "text/csv",
  parquet: "application/vnd.apache.parquet",
  json: "application/json",
};
