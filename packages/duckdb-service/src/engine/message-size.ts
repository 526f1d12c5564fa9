import type { duckdb } from "@isa-cloud/proto";

// An upper bound of the protobuf encoding, cheap enough for every value of a 10-million
// row stream: each length-delimited field is counted with a 1-byte tag and a 5-byte length,
// each varint with 10 bytes. Encoding a row twice to measure it exactly would double the
// serialization work of the hot path.
const FIELD = 6;

export function valueSize(value: duckdb.Value): number {
  const kind = value.kind;
  if (!kind) return FIELD;
  switch (kind.$case) {
    case "stringValue":
      return FIELD + FIELD + Buffer.byteLength(kind.value);
    case "bytesValue":
      return FIELD + FIELD + kind.value.length;
    case "intValue":
      return FIELD + 11;
    case "doubleValue":
      return FIELD + 9;
    case "boolValue":
    case "nullValue":
      return FIELD + 2;
    case "timestampValue":
      return FIELD + FIELD + 22;
    case "structValue":
      return FIELD + FIELD + Buffer.byteLength(JSON.stringify(kind.value ?? {})) * 2;
    case "listValue":
      return FIELD + FIELD + sumValues(kind.value.values);
    case "recordValue":
      return (
        FIELD +
        FIELD +
        kind.value.names.reduce((n, name) => n + FIELD + Buffer.byteLength(name), 0) +
        sumValues(kind.value.values)
      );
    case "mapValue":
      return FIELD + FIELD + sumValues(kind.value.keys) + sumValues(kind.value.values);
  }
}

function sumValues(values: readonly duckdb.Value[]): number {
  let size = 0;
  for (const v of values) size += valueSize(v);
  return size;
}

/** Upper bound of one `Row` inside a response's `rows` field. */
export function rowSize(values: readonly duckdb.Value[]): number {
  return FIELD + sumValues(values);
}
