import type { duckdb } from "@isa-cloud/proto";
import { type DuckdbType, parseDuckdbType } from "./duckdb-type.js";
import { type Column, uniqueNames } from "./row-decoder.js";
import {
  BIG_INTEGERS,
  copyBytes,
  type DecodeOptions,
  decoderFor,
  SMALL_INTEGERS,
  setProperty,
  TIMESTAMPS,
} from "./value-decoder.js";

type ColumnVector = duckdb.ColumnVector;
/** Decodes one column of one chunk into JS values, NULLs included. */
type VectorDecoder = (vector: ColumnVector | undefined, rowCount: number) => unknown[];

const INT64_MAX = 2n ** 63n - 1n;
const TWO_32 = 4_294_967_296;

/**
 * Turns ColumnarChunk messages (ExecuteQueryColumnar) into the same row objects as the
 * row-by-row path gives, value for value: each column is decoded in one tight loop
 * over its packed vector, then the rows are assembled.
 */
export function createColumnarDecoder<T = Record<string, unknown>>(
  names: readonly string[],
  types: readonly string[],
  options: DecodeOptions = {},
): { columns: Column[]; decode: (chunk: duckdb.ColumnarChunk) => T[] } {
  const keys = uniqueNames(names);
  const columns = keys.map((name, i) => ({ name, type: types[i] ?? "" }));
  const decoders = keys.map((_, i) => vectorDecoder(parseOrUndefined(types[i]), options));
  const plain = !keys.includes("__proto__");
  const decode = (chunk: duckdb.ColumnarChunk): T[] => {
    const n = chunk.rowCount;
    const values = decoders.map((d, c) => d(chunk.vectors[c], n));
    const rows = new Array<T>(n);
    const width = keys.length;
    for (let i = 0; i < n; i++) {
      const row: Record<string, unknown> = {};
      if (plain) {
        for (let c = 0; c < width; c++) row[keys[c]!] = values[c]![i];
      } else {
        for (let c = 0; c < width; c++) setProperty(row, keys[c]!, values[c]![i]);
      }
      rows[i] = row as T;
    }
    return rows;
  };
  return { columns, decode };
}

function parseOrUndefined(type: string | undefined): DuckdbType | undefined {
  if (!type) return undefined;
  try {
    return parseDuckdbType(type);
  } catch {
    return undefined;
  }
}

function vectorDecoder(type: DuckdbType | undefined, options: DecodeOptions): VectorDecoder {
  const scalar = type?.kind === "scalar" ? type.name : undefined;
  const readInt64 = int64Reader(scalar, options);
  const bigFromText = scalar !== undefined && BIG_INTEGERS.has(scalar);
  const valueDecoder = decoderFor(type, options);
  return (vector, n) => {
    const out = new Array<unknown>(n);
    const data = vector?.data;
    if (data !== undefined) {
      switch (data.$case) {
        case "int64Data": {
          const view = new DataView(
            data.value.buffer,
            data.value.byteOffset,
            data.value.byteLength,
          );
          for (let i = 0; i < n; i++) out[i] = readInt64(view, i * 8);
          break;
        }
        case "float64Data": {
          const view = new DataView(
            data.value.buffer,
            data.value.byteOffset,
            data.value.byteLength,
          );
          for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, true);
          break;
        }
        case "boolData": {
          const bytes = data.value;
          for (let i = 0; i < n; i++) out[i] = bytes[i] !== 0;
          break;
        }
        case "stringData": {
          const values = data.value.values;
          if (bigFromText) {
            for (let i = 0; i < n; i++) {
              const s = values[i] ?? "";
              out[i] = /^-?\d+$/.test(s) ? BigInt(s) : s;
            }
          } else {
            for (let i = 0; i < n; i++) out[i] = values[i];
          }
          break;
        }
        case "bytesData": {
          const values = data.value.values;
          for (let i = 0; i < n; i++) {
            const bytes = values[i];
            out[i] = bytes === undefined ? null : copyBytes(bytes);
          }
          break;
        }
        case "valueData": {
          const values = data.value.values;
          for (let i = 0; i < n; i++) out[i] = valueDecoder(values[i]);
          break;
        }
      }
    } else {
      out.fill(null);
    }
    const nulls = vector?.nullBitmap;
    if (nulls !== undefined && nulls.byteLength > 0) {
      for (let i = 0; i < n; i++) {
        if (((nulls[i >> 3] ?? 0) >> (i & 7)) & 1) out[i] = null;
      }
    }
    return out;
  };
}

/** Reads one 8-byte little-endian integer as the column's JS type. */
function int64Reader(
  scalar: string | undefined,
  options: DecodeOptions,
): (view: DataView, offset: number) => unknown {
  if (scalar !== undefined && SMALL_INTEGERS.has(scalar)) {
    // Values of 32 bits or less: the low word, read signed unless it is UINTEGER.
    return scalar === "UINTEGER"
      ? (view, offset) => view.getUint32(offset, true)
      : (view, offset) => view.getInt32(offset, true);
  }
  if (scalar !== undefined && TIMESTAMPS.has(scalar)) {
    if (options.timestamps === "micros") {
      return (view, offset) => infinityOr(view.getBigInt64(offset, true));
    }
    return (view, offset) => {
      const hi = view.getInt32(offset + 4, true);
      // Below 2^52 microseconds (year 2112) the two words make an exact double.
      if (hi > -1_048_576 && hi < 1_048_576) {
        const micros = hi * TWO_32 + view.getUint32(offset, true);
        return new Date(Math.floor(micros / 1000));
      }
      const micros = infinityOr(view.getBigInt64(offset, true));
      if (typeof micros === "string") return micros;
      const millis = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
      return new Date(Number(millis));
    };
  }
  if (scalar !== undefined && BIG_INTEGERS.has(scalar)) {
    return (view, offset) => view.getBigInt64(offset, true);
  }
  // A type this client does not know: numbers while exact, as decodeUntyped does.
  return (view, offset) => {
    const value = view.getBigInt64(offset, true);
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value;
  };
}

/** DuckDB's infinite timestamps are ±(2^63 - 1); the row path sends them as text. */
function infinityOr(micros: bigint): bigint | string {
  if (micros === INT64_MAX) return "infinity";
  if (micros === -INT64_MAX) return "-infinity";
  return micros;
}
