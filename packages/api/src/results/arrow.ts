import { Readable } from "node:stream";
import type { Column, QueryBatch } from "@isa-cloud/duckdb-client";
import {
  Binary,
  Bool,
  type DataType,
  DateDay,
  Field,
  Float32,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  makeData,
  RecordBatch,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  TimestampMillisecond,
  Uint8,
  Uint16,
  Uint32,
  Uint64,
  Utf8,
  vectorFromArray,
} from "apache-arrow";
import { jsonValue } from "./json-values.js";

type Batches = AsyncIterable<QueryBatch<Record<string, unknown>>>;

/** A DuckDB column type as an Arrow type, and how a decoded value becomes its Arrow value. */
interface ArrowColumn {
  type: DataType;
  convert: (value: unknown) => unknown;
}

const same = (value: unknown) => value ?? null;
const DIRECT: Record<string, () => DataType> = {
  BOOLEAN: () => new Bool(),
  TINYINT: () => new Int8(),
  SMALLINT: () => new Int16(),
  INTEGER: () => new Int32(),
  BIGINT: () => new Int64(),
  UTINYINT: () => new Uint8(),
  USMALLINT: () => new Uint16(),
  UINTEGER: () => new Uint32(),
  UBIGINT: () => new Uint64(),
  FLOAT: () => new Float32(),
  DOUBLE: () => new Float64(),
  VARCHAR: () => new Utf8(),
  BLOB: () => new Binary(),
};

/** DATE arrives as "YYYY-MM-DD" (or "infinity", which Arrow cannot hold: null). */
function dateValue(value: unknown): Date | null {
  if (typeof value !== "string" || !/^\d{4,}-\d\d-\d\d$/.test(value)) return null;
  return new Date(`${value}T00:00:00Z`);
}

/**
 * The Arrow column of a DuckDB type. Types with an exact Arrow twin keep it; timestamps
 * are milliseconds (what duckdb-client decodes); everything else (HUGEINT, DECIMAL,
 * TIME, INTERVAL, UUID, nested types) is its exact text, as in JSON.
 */
function arrowColumn(column: Column): ArrowColumn {
  const name = column.type.toUpperCase();
  const direct = DIRECT[name];
  if (direct) return { type: direct(), convert: same };
  if (name === "DATE") return { type: new DateDay(), convert: dateValue };
  if (/^TIMESTAMP(_S|_MS|_NS)?$/.test(name)) {
    return { type: new TimestampMillisecond(), convert: (v) => (v instanceof Date ? v : null) };
  }
  if (name === "TIMESTAMP WITH TIME ZONE" || name === "TIMESTAMPTZ") {
    return {
      type: new TimestampMillisecond("UTC"),
      convert: (v) => (v instanceof Date ? v : null),
    };
  }
  return {
    type: new Utf8(),
    convert: (v) => {
      const json = jsonValue(v);
      return json === null || typeof json === "string" ? json : JSON.stringify(json);
    },
  };
}

/** The result's Arrow schema and a converter of its batches. */
function arrowEncoder(columns: readonly Column[]) {
  const arrowColumns = columns.map(arrowColumn);
  const schema = new Schema(
    columns.map((column, i) => new Field(column.name, arrowColumns[i]!.type, true)),
  );
  const toRecordBatch = (rows: Record<string, unknown>[]): RecordBatch => {
    const children = columns.map((column, i) => {
      const { type, convert } = arrowColumns[i]!;
      const values = new Array<unknown>(rows.length);
      for (let r = 0; r < rows.length; r++) values[r] = convert(rows[r]![column.name]);
      return vectorFromArray(values, type).data[0]!;
    });
    const struct = makeData({
      type: new Struct(schema.fields),
      length: rows.length,
      nullCount: 0,
      children,
    });
    return new RecordBatch(schema, struct);
  };
  return { toRecordBatch };
}

/**
 * Record batches of the result, one per batch from the service; one empty batch for a
 * result without rows, so that its schema is still written.
 */
export async function* recordBatches(columns: readonly Column[], batches: Batches) {
  const { toRecordBatch } = arrowEncoder(columns);
  let any = false;
  for await (const batch of batches) {
    if (batch.rows.length === 0) continue;
    any = true;
    yield toRecordBatch(batch.rows);
  }
  if (!any) yield toRecordBatch([]);
}

/**
 * The Arrow IPC stream format (application/vnd.apache.arrow.stream): the schema, then one
 * record batch per batch from the service; piped, so backpressure reaches the query.
 */
export function arrowStream(columns: readonly Column[], batches: Batches): Readable {
  const source = Readable.from(recordBatches(columns, batches));
  const writer = RecordBatchStreamWriter.throughNode();
  source.on("error", (err) => writer.destroy(err));
  return source.pipe(writer);
}
