import { isAscii } from "node:buffer";
import { type ColumnVector, type VectorKind, WireColumnVector } from "./column-vector.js";
import type { ColumnarFrame, WireVector } from "./columnar-frame.js";
import { malformed } from "./columnar-frame.js";
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
  type ValueDecoder,
} from "./value-decoder.js";

/** Makes one column's vector of one chunk. */
type VectorMaker = (wire: WireVector, rowCount: number) => ColumnVector;

const INT64_MAX = 2n ** 63n - 1n;
const TWO_32 = 4_294_967_296;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
// Which 32-bit word of a native int64 holds the high half.
const HI = LITTLE_ENDIAN ? 1 : 0;
const LO = 1 - HI;
// V8 copies substrings shorter than this and makes longer ones views that keep the
// whole parent string alive: those are decoded on their own instead.
const COPIED_SUBSTRING = 13;

/**
 * Turns ColumnarChunk messages (ExecuteQueryColumnar, parsed by columnar-frame.ts) into
 * column vectors, and those into the same row objects as the row-by-row path gives,
 * value for value. The column's type is read once; a vector decodes its values only
 * when asked.
 */
export function createColumnarDecoder<T = Record<string, unknown>>(
  names: readonly string[],
  types: readonly string[],
  options: DecodeOptions = {},
): {
  columns: Column[];
  vectors: (frame: ColumnarFrame) => ColumnVector[];
  rows: (vectors: readonly ColumnVector[]) => T[];
} {
  const keys = uniqueNames(names);
  const columns = keys.map((name, i) => ({ name, type: types[i] ?? "" }));
  const makers = columns.map((column) => vectorMaker(column, options));
  const plain = !keys.includes("__proto__");
  const vectors = (frame: ColumnarFrame): ColumnVector[] => {
    const n = frame.rowCount;
    if (n > 0 && frame.vectors.length !== makers.length) {
      throw malformed(`${frame.vectors.length} vectors for ${makers.length} columns`);
    }
    return makers.map((make, c) => make(frame.vectors[c] ?? NO_DATA, n));
  };
  const rows = (vectors: readonly ColumnVector[]): T[] => {
    const n = vectors[0]?.length ?? 0;
    const values = vectors.map((v) => v.toArray());
    const out = new Array<T>(n);
    const width = keys.length;
    for (let i = 0; i < n; i++) {
      const row: Record<string, unknown> = {};
      if (plain) {
        for (let c = 0; c < width; c++) row[keys[c]!] = values[c]![i];
      } else {
        for (let c = 0; c < width; c++) setProperty(row, keys[c]!, values[c]![i]);
      }
      out[i] = row as T;
    }
    return out;
  };
  return { columns, vectors, rows };
}

const NO_DATA: WireVector = {
  nulls: new Uint8Array(0),
  layout: "none",
  data: new Uint8Array(0),
  items: undefined,
  values: undefined,
};

function parseOrUndefined(type: string): DuckdbType | undefined {
  if (!type) return undefined;
  try {
    return parseDuckdbType(type);
  } catch {
    return undefined;
  }
}

function vectorMaker(column: Column, options: DecodeOptions): VectorMaker {
  const parsed = parseOrUndefined(column.type);
  const scalar = parsed?.kind === "scalar" ? parsed.name : undefined;
  const is = (set: Set<string>) => scalar !== undefined && set.has(scalar);
  let valueDecoder: ValueDecoder | undefined;
  const vector = <V extends ArrayLike<unknown>>(
    kind: VectorKind,
    wire: WireVector,
    n: number,
    make: () => V,
    at: (values: V, row: number) => unknown,
  ) => {
    // A vector without data is all NULL (what the old decoder gave too).
    const nulls = wire.layout === "none" ? new Uint8Array((n + 7) >> 3).fill(0xff) : wire.nulls;
    return new WireColumnVector(kind, column, n, nulls, make, at) as unknown as ColumnVector;
  };
  const item = <V>(values: ArrayLike<V>, row: number) => values[row];

  return (wire, n) => {
    switch (wire.layout) {
      case "int64":
        if (is(SMALL_INTEGERS)) {
          const unsigned = scalar === "UINTEGER";
          return vector(
            unsigned ? "uint32" : "int32",
            wire,
            n,
            () => lowWords(wire.data, n, unsigned),
            item,
          );
        }
        if (is(TIMESTAMPS)) {
          const at = options.timestamps === "micros" ? microsAt : dateAt();
          return vector("timestamp", wire, n, () => int64s(wire.data, n), at);
        }
        return vector(
          "int64",
          wire,
          n,
          () => int64s(wire.data, n),
          is(BIG_INTEGERS) ? item : numberOrBigInt,
        );
      case "float64":
        return vector("float64", wire, n, () => float64s(wire.data, n), item);
      case "bool":
        return vector(
          "bool",
          wire,
          n,
          () => new Uint8Array(wire.data.buffer, wire.data.byteOffset, n),
          (values, row) => values[row] !== 0,
        );
      case "string":
        return vector(
          "string",
          wire,
          n,
          () => strings(wire, n),
          is(BIG_INTEGERS) ? bigIntFromText : item,
        );
      case "bytes":
        return vector("bytes", wire, n, () => bytes(wire, n), item);
      case "value": {
        valueDecoder ??= decoderFor(parsed, options);
        const decode = valueDecoder;
        return vector("value", wire, n, () => (wire.values ?? []).map((v) => decode(v)), item);
      }
      case "none":
        return vector("value", wire, n, () => new Array<unknown>(n).fill(null), item);
    }
  };
}

/** UBIGINT, HUGEINT and wider arrive as decimal digits; anything else stays text. */
function bigIntFromText(values: (string | null)[], row: number): unknown {
  const s = values[row] ?? "";
  return /^-?\d+$/.test(s) ? BigInt(s) : s;
}

/** A type this client does not know: numbers while exact, as decodeUntyped does. */
function numberOrBigInt(values: BigInt64Array, row: number): unknown {
  const value = values[row]!;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value;
}

/** DuckDB's infinite timestamps are ±(2^63 - 1); the row path sends them as text. */
function infinityOr(micros: bigint): bigint | string {
  if (micros === INT64_MAX) return "infinity";
  if (micros === -INT64_MAX) return "-infinity";
  return micros;
}

function microsAt(values: BigInt64Array, row: number): unknown {
  return infinityOr(values[row]!);
}

/** Timestamps as Dates, read as two 32-bit words: a BigInt per row costs more than the rest. */
function dateAt(): (values: BigInt64Array, row: number) => unknown {
  let words: Int32Array | undefined;
  return (values, row) => {
    if (words?.buffer !== values.buffer || words.byteOffset !== values.byteOffset) {
      words = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
    }
    const hi = words[row * 2 + HI]!;
    // Below 2^52 microseconds (year 2112) the two words make an exact double.
    if (hi > -1_048_576 && hi < 1_048_576) {
      return new Date(Math.floor((hi * TWO_32 + (words[row * 2 + LO]! >>> 0)) / 1000));
    }
    const micros = infinityOr(values[row]!);
    if (typeof micros === "string") return micros;
    const millis = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
    return new Date(Number(millis));
  };
}

/** 8-byte little-endian values: a view when aligned (and the platform is little-endian). */
function int64s(data: Uint8Array, n: number): BigInt64Array {
  if (!LITTLE_ENDIAN) {
    const view = new DataView(data.buffer, data.byteOffset, n * 8);
    return BigInt64Array.from({ length: n }, (_, i) => view.getBigInt64(i * 8, true));
  }
  return new BigInt64Array(
    aligned(data, n * 8, 8),
    data.byteOffset % 8 === 0 ? data.byteOffset : 0,
    n,
  );
}

function float64s(data: Uint8Array, n: number): Float64Array {
  if (!LITTLE_ENDIAN) {
    const view = new DataView(data.buffer, data.byteOffset, n * 8);
    return Float64Array.from({ length: n }, (_, i) => view.getFloat64(i * 8, true));
  }
  return new Float64Array(
    aligned(data, n * 8, 8),
    data.byteOffset % 8 === 0 ? data.byteOffset : 0,
    n,
  );
}

/** Integers of 32 bits or less, sent as int64: the low word of each. */
function lowWords(data: Uint8Array, n: number, unsigned: boolean): Int32Array | Uint32Array {
  const out = unsigned ? new Uint32Array(n) : new Int32Array(n);
  if (!LITTLE_ENDIAN) {
    const view = new DataView(data.buffer, data.byteOffset, n * 8);
    for (let i = 0; i < n; i++) out[i] = view.getInt32(i * 8, true);
    return out;
  }
  const words = new Int32Array(
    aligned(data, n * 8, 4),
    data.byteOffset % 4 === 0 ? data.byteOffset : 0,
    n * 2,
  );
  for (let i = 0; i < n; i++) out[i] = words[i * 2]!;
  return out;
}

/** `data`'s buffer when `data` starts on a multiple of `alignment`, else a copy of `data`. */
function aligned(data: Uint8Array, size: number, alignment: number): ArrayBufferLike {
  if (data.byteOffset % alignment === 0) return data.buffer;
  const copy = new Uint8Array(size);
  copy.set(data.subarray(0, size));
  return copy.buffer;
}

/**
 * Every item's text. ASCII (checked natively, once for the whole vector where it can)
 * is read as Latin-1, which needs no UTF-8 decoding: short items are cut from one
 * decoded string of the vector, longer ones decoded on their own.
 */
function strings(wire: WireVector, n: number): (string | null)[] {
  const data = wire.data;
  const items = wire.items!;
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const allAscii = isAscii(data);
  let text: string | undefined;
  const out = new Array<string | null>(n);
  const nulls = wire.nulls;
  for (let i = 0; i < n; i++) {
    if (nulls.length > 0 && (nulls[i >> 3]! >> (i & 7)) & 1) {
      out[i] = null;
      continue;
    }
    const start = items[i * 2]!;
    const end = items[i * 2 + 1]!;
    if (allAscii || asciiRange(data, start, end)) {
      if (end - start < COPIED_SUBSTRING) {
        text ??= buf.toString("latin1");
        out[i] = text.substring(start, end);
      } else {
        out[i] = buf.toString("latin1", start, end);
      }
    } else {
      out[i] = buf.toString("utf8", start, end);
    }
  }
  return out;
}

function asciiRange(data: Uint8Array, start: number, end: number): boolean {
  for (let k = start; k < end; k++) if (data[k]! >= 0x80) return false;
  return true;
}

/** Each item copied out: a view would keep the whole received message alive. */
function bytes(wire: WireVector, n: number): (Uint8Array | null)[] {
  const items = wire.items!;
  const nulls = wire.nulls;
  const out = new Array<Uint8Array | null>(n);
  for (let i = 0; i < n; i++) {
    out[i] =
      nulls.length > 0 && (nulls[i >> 3]! >> (i & 7)) & 1
        ? null
        : copyBytes(wire.data.subarray(items[i * 2]!, items[i * 2 + 1]!));
  }
  return out;
}
