import {
  type DuckDBBlobValue,
  type DuckDBGeometryValue,
  type DuckDBTimestampMillisecondsValue,
  type DuckDBTimestampNanosecondsValue,
  type DuckDBTimestampSecondsValue,
  type DuckDBTimestampTZValue,
  type DuckDBTimestampValue,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBValue,
} from "@duckdb/node-api";
import type { duckdb } from "@isa-cloud/proto";
import { valueSize } from "./message-size.js";
import { encodeValue } from "./value-encoding.js";

const INFINITY = 9_223_372_036_854_775_807n;

type Layout = "int64" | "float64" | "bool" | "string" | "bytes" | "value";

/** Which ColumnVector member a column travels in (the contract's ColumnVector comments). */
export function layoutOf(type: DuckDBType): Layout {
  switch (type.typeId) {
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
      return "int64";
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return "float64";
    case DuckDBTypeId.BOOLEAN:
      return "bool";
    case DuckDBTypeId.BLOB:
    case DuckDBTypeId.GEOMETRY:
      return "bytes";
    case DuckDBTypeId.INTERVAL:
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
    case DuckDBTypeId.STRUCT:
    case DuckDBTypeId.MAP:
    case DuckDBTypeId.UNION:
    case DuckDBTypeId.VARIANT:
    case DuckDBTypeId.SQLNULL:
      return "value";
    default:
      // VARCHAR, ENUM, UUID, BIT, JSON, DATE, TIME*, DECIMAL and integers wider than 64
      // bits: the types Value carries as text.
      return "string";
  }
}

/** Microseconds since the epoch of any TIMESTAMP kind; infinities stay ±(2^63 - 1). */
function timestampMicros(value: DuckDBValue, typeId: DuckDBTypeId): bigint {
  let raw: bigint;
  let toMicros: (v: bigint) => bigint;
  switch (typeId) {
    case DuckDBTypeId.TIMESTAMP_S:
      raw = (value as DuckDBTimestampSecondsValue).seconds;
      toMicros = (v) => v * 1_000_000n;
      break;
    case DuckDBTypeId.TIMESTAMP_MS:
      raw = (value as DuckDBTimestampMillisecondsValue).millis;
      toMicros = (v) => v * 1_000n;
      break;
    case DuckDBTypeId.TIMESTAMP_NS: {
      raw = (value as DuckDBTimestampNanosecondsValue).nanos;
      // Floor, as the contract has TIMESTAMP* in whole microseconds here.
      toMicros = (v) => (v >= 0n ? v / 1_000n : -((-v + 999n) / 1_000n));
      break;
    }
    default:
      raw = (value as DuckDBTimestampValue | DuckDBTimestampTZValue).micros;
      toMicros = (v) => v;
  }
  if (raw === INFINITY || raw === -INFINITY) return raw;
  return toMicros(raw);
}

/**
 * One column of a result chunk as a ColumnVector, with the bytes it adds to a message
 * (an upper bound, like `message-size`). `values` holds rows `from` to `to` (exclusive).
 */
export function encodeColumn(
  values: readonly DuckDBValue[],
  type: DuckDBType,
  from: number,
  to: number,
): { vector: duckdb.ColumnVector; bytes: number } {
  const n = to - from;
  const bitmap = new Uint8Array((n + 7) >> 3);
  let nulls = false;
  for (let i = 0; i < n; i++) {
    if (values[from + i] === null) {
      bitmap[i >> 3]! |= 1 << (i & 7);
      nulls = true;
    }
  }
  const nullBitmap = nulls ? bitmap : new Uint8Array(0);
  let bytes = 12 + nullBitmap.length;
  let data: duckdb.ColumnVector["data"];
  switch (layoutOf(type)) {
    case "int64": {
      const buf = Buffer.alloc(n * 8);
      for (let i = 0; i < n; i++) {
        const v = values[from + i] ?? null;
        if (v === null) continue;
        if (typeof v === "number") buf.writeBigInt64LE(BigInt(v), i * 8);
        else if (typeof v === "bigint") buf.writeBigInt64LE(v, i * 8);
        else buf.writeBigInt64LE(timestampMicros(v, type.typeId), i * 8);
      }
      data = { $case: "int64Data", value: buf };
      bytes += buf.length;
      break;
    }
    case "float64": {
      const buf = Buffer.alloc(n * 8);
      for (let i = 0; i < n; i++) {
        const v = values[from + i] ?? null;
        if (v !== null) buf.writeDoubleLE(v as number, i * 8);
      }
      data = { $case: "float64Data", value: buf };
      bytes += buf.length;
      break;
    }
    case "bool": {
      const buf = new Uint8Array(n);
      for (let i = 0; i < n; i++) buf[i] = values[from + i] === true ? 1 : 0;
      data = { $case: "boolData", value: buf };
      bytes += buf.length;
      break;
    }
    case "string": {
      const out = new Array<string>(n);
      for (let i = 0; i < n; i++) {
        const v = values[from + i] ?? null;
        if (v === null) {
          out[i] = "";
          continue;
        }
        if (typeof v === "string") {
          out[i] = v;
        } else {
          const encoded = encodeValue(v, type);
          out[i] = encoded.kind?.$case === "stringValue" ? encoded.kind.value : String(v);
        }
        bytes += 6 + Buffer.byteLength(out[i]!);
      }
      data = { $case: "stringData", value: { values: out } };
      break;
    }
    case "bytes": {
      const out = new Array<Uint8Array>(n);
      for (let i = 0; i < n; i++) {
        const v = values[from + i] ?? null;
        out[i] =
          v === null ? new Uint8Array(0) : (v as DuckDBBlobValue | DuckDBGeometryValue).bytes;
        bytes += 6 + out[i]!.length;
      }
      data = { $case: "bytesData", value: { values: out } };
      break;
    }
    case "value": {
      const out = new Array<duckdb.Value>(n);
      for (let i = 0; i < n; i++) {
        out[i] = encodeValue(values[from + i] ?? null, type);
        bytes += valueSize(out[i]!);
      }
      data = { $case: "valueData", value: { values: out } };
      break;
    }
  }
  return { vector: { nullBitmap, data }, bytes };
}
