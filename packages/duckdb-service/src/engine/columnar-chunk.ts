import {
  type DuckDBDataChunk,
  DuckDBDecimalType,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBValue,
  type DuckDBVector,
} from "@duckdb/node-api";
import { duckdb } from "@isa-cloud/proto";
import { encodeColumn } from "./columnar.js";
import { outOfLineReader, validityBytes, vectorBytes } from "./vector-data.js";

// Tags (field number << 3 | wire type) of the fields written here, from duckdb_service.proto.
const CHUNK_ROW_COUNT = 0x18; // ColumnarChunk.row_count = 3, varint
const CHUNK_VECTOR = 0x22; // ColumnarChunk.vectors = 4
const NULL_BITMAP = 0x0a; // ColumnVector.null_bitmap = 1
const INT64_DATA = 0x12; // = 2
const FLOAT64_DATA = 0x1a; // = 3
const BOOL_DATA = 0x22; // = 4
const STRING_DATA = 0x2a; // = 5
const BYTES_DATA = 0x32; // = 6
const REPEATED_ITEM = 0x0a; // StringVector.values = 1, BytesVector.values = 1

const EMPTY = new Uint8Array(0);
const TWO_32 = 4_294_967_296;
// DuckDB keeps strings of up to 12 bytes inside the 16-byte string_t entry.
const INLINE_STRING = 12;

/** Encodes rows `from` to `to` (exclusive) of one column as a ColumnVector message. */
type VectorEncoder = (from: number, to: number) => Uint8Array;

/**
 * Encodes rows of one DuckDB chunk as ColumnarChunk messages, byte for byte what the
 * generated encoder gives for `encodeColumn`'s vectors. Fixed-width columns are copied
 * or widened from DuckDB's memory, VARCHAR and BLOB bytes are copied without becoming JS
 * strings, DECIMAL text is written digit by digit from the scaled integer; every buffer
 * is allocated at its exact size. Other types take `encodeColumn` (value by value).
 */
export function chunkEncoder(
  chunk: DuckDBDataChunk,
  types: readonly DuckDBType[],
): (from: number, to: number) => Uint8Array {
  const encoders = types.map((type, c) => vectorEncoder(chunk, c, type));
  return (from, to) => {
    const vectors = encoders.map((encode) => encode(from, to));
    const n = to - from;
    let size = 1 + varintSize(n);
    for (const v of vectors) size += fieldSize(v.length);
    const out = new Uint8Array(size);
    out[0] = CHUNK_ROW_COUNT;
    let o = writeVarint(out, 1, n);
    for (const v of vectors) {
      o = writeHeader(out, o, CHUNK_VECTOR, v.length);
      out.set(v, o);
      o += v.length;
    }
    return out;
  };
}

function vectorEncoder(chunk: DuckDBDataChunk, column: number, type: DuckDBType): VectorEncoder {
  const fast = fastEncoder(chunk.getColumnVector(column), type);
  if (fast) return fast;
  let values: DuckDBValue[] | undefined;
  return (from, to) => {
    values ??= chunk.getColumnValues(column);
    return duckdb.ColumnVector.encode(encodeColumn(values, type, from, to).vector).finish();
  };
}

function fastEncoder(vector: DuckDBVector, type: DuckDBType): VectorEncoder | undefined {
  const data = vectorBytes(vector);
  const valid = validityBytes(vector);
  if (data === undefined || valid === undefined) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  switch (type.typeId) {
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
      // Microseconds already, infinities included (±(2^63 - 1), as the wire has them).
      return fixedWidth(INT64_DATA, 8, valid, (out, o, from, n) =>
        out.set(data.subarray(from * 8, (from + n) * 8), o),
      );
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER: {
      const items = (vector as unknown as { items?: unknown }).items;
      if (!isNumberArray(items)) return undefined;
      return fixedWidth(INT64_DATA, 8, valid, (out, o, from, n) => {
        const dv = new DataView(out.buffer, out.byteOffset + o, n * 8);
        for (let i = 0; i < n; i++) {
          const v = items[from + i]!;
          dv.setUint32(i * 8, v >>> 0, true);
          dv.setInt32(i * 8 + 4, v < 0 ? -1 : 0, true);
        }
      });
    }
    case DuckDBTypeId.DOUBLE:
      return fixedWidth(FLOAT64_DATA, 8, valid, (out, o, from, n) =>
        out.set(data.subarray(from * 8, (from + n) * 8), o),
      );
    case DuckDBTypeId.FLOAT:
      return fixedWidth(FLOAT64_DATA, 8, valid, (out, o, from, n) => {
        const dv = new DataView(out.buffer, out.byteOffset + o, n * 8);
        for (let i = 0; i < n; i++)
          dv.setFloat64(i * 8, view.getFloat32((from + i) * 4, true), true);
      });
    case DuckDBTypeId.BOOLEAN:
      return fixedWidth(BOOL_DATA, 1, valid, (out, o, from, n) =>
        out.set(data.subarray(from, from + n), o),
      );
    case DuckDBTypeId.VARCHAR:
      return stringsEncoder(STRING_DATA, vector, view, valid);
    case DuckDBTypeId.BLOB:
      return stringsEncoder(BYTES_DATA, vector, view, valid);
    case DuckDBTypeId.DECIMAL:
      return type instanceof DuckDBDecimalType ? decimalEncoder(type, view, valid) : undefined;
    default:
      return undefined;
  }
}

function isNumberArray(items: unknown): items is ArrayLike<number> {
  return ArrayBuffer.isView(items) && !(items instanceof DataView) && !isBigIntArray(items);
}

function isBigIntArray(items: unknown): boolean {
  return items instanceof BigInt64Array || items instanceof BigUint64Array;
}

/** Fixed-width data, `fill` writing rows `from` to `from + n` at `o`; NULL slots are 0. */
function fixedWidth(
  tag: number,
  width: number,
  valid: Uint8Array | null,
  fill: (out: Uint8Array, o: number, from: number, n: number) => void,
): VectorEncoder {
  return (from, to) => {
    const n = to - from;
    const nulls = nullBitmap(valid, from, n);
    const out = new Uint8Array(bitmapSize(nulls) + fieldSize(width * n));
    let o = writeBitmap(out, nulls);
    o = writeHeader(out, o, tag, width * n);
    fill(out, o, from, n);
    if (nulls.length > 0) {
      for (let i = 0; i < n; i++)
        if (isNull(nulls, i)) out.fill(0, o + i * width, o + (i + 1) * width);
    }
    return out;
  };
}

/** VARCHAR or BLOB: each value's bytes straight from its string_t entry (16 bytes). */
function stringsEncoder(
  tag: number,
  vector: DuckDBVector,
  entries: DataView,
  valid: Uint8Array | null,
): VectorEncoder {
  const bytes = new Uint8Array(entries.buffer, entries.byteOffset, entries.byteLength);
  let outOfLine: ReturnType<typeof outOfLineReader>;
  return (from, to) => {
    const n = to - from;
    const nulls = nullBitmap(valid, from, n);
    const lengths = new Uint32Array(n);
    let body = 0;
    for (let i = 0; i < n; i++) {
      const length = isNull(nulls, i) ? 0 : entries.getUint32((from + i) * 16, true);
      lengths[i] = length;
      body += 1 + varintSize(length) + length;
    }
    const out = new Uint8Array(bitmapSize(nulls) + fieldSize(body));
    let o = writeBitmap(out, nulls);
    o = writeHeader(out, o, tag, body);
    for (let i = 0; i < n; i++) {
      const length = lengths[i]!;
      o = writeHeader(out, o, REPEATED_ITEM, length);
      if (length <= INLINE_STRING) {
        const at = (from + i) * 16 + 4;
        for (let k = 0; k < length; k++) out[o + k] = bytes[at + k]!;
      } else {
        outOfLine ??= outOfLineReader(vector);
        const value = outOfLine?.getItemBytes(from + i);
        if (!value) throw new Error("columnar: cannot read a string DuckDB keeps out of line");
        out.set(value, o);
      }
      o += length;
    }
    return out;
  };
}

const POW10 = Array.from({ length: 17 }, (_, i) => 10 ** i);

/**
 * DECIMAL as DuckDB prints it ("-12.50": all `scale` digits, "0" before the point),
 * written from the scaled integer. Values beyond 2^53 go through BigInt.
 */
function decimalEncoder(
  type: DuckDBDecimalType,
  view: DataView,
  valid: Uint8Array | null,
): VectorEncoder {
  const { width, scale } = type;
  const bytes = width <= 4 ? 2 : width <= 9 ? 4 : width <= 18 ? 8 : 16;
  const read = (row: number): number | bigint => {
    const o = row * bytes;
    if (bytes === 2) return view.getInt16(o, true);
    if (bytes === 4) return view.getInt32(o, true);
    const hi = view.getInt32(o + 4, true);
    const fitsLow = hi >= -2_097_152 && hi < 2_097_152; // |value| < 2^53
    if (bytes === 8)
      return fitsLow ? hi * TWO_32 + view.getUint32(o, true) : view.getBigInt64(o, true);
    // The upper 64 bits only extend the sign of the lower: checked word by word, no BigInt.
    const extends_ = hi < 0 ? -1 : 0;
    if (
      fitsLow &&
      view.getInt32(o + 8, true) === extends_ &&
      view.getInt32(o + 12, true) === extends_
    ) {
      return hi * TWO_32 + view.getUint32(o, true);
    }
    return (view.getBigInt64(o + 8, true) << 64n) | view.getBigUint64(o, true);
  };
  return (from, to) => {
    const n = to - from;
    const nulls = nullBitmap(valid, from, n);
    const numbers = new Float64Array(n);
    const lengths = new Uint32Array(n);
    let texts: Map<number, string> | undefined;
    let body = 0;
    for (let i = 0; i < n; i++) {
      let length = 0;
      if (!isNull(nulls, i)) {
        const value = read(from + i);
        if (typeof value === "number") {
          numbers[i] = value;
          const abs = Math.abs(value);
          const digits = abs < POW10[scale]! ? scale + 1 : digitCount(abs);
          length = (value < 0 ? 1 : 0) + digits + (scale > 0 ? 1 : 0);
        } else {
          texts ??= new Map();
          const text = bigDecimalText(value, scale);
          texts.set(i, text);
          length = text.length;
        }
      }
      lengths[i] = length;
      body += 1 + varintSize(length) + length;
    }
    const out = new Uint8Array(bitmapSize(nulls) + fieldSize(body));
    let o = writeBitmap(out, nulls);
    o = writeHeader(out, o, STRING_DATA, body);
    for (let i = 0; i < n; i++) {
      const length = lengths[i]!;
      o = writeHeader(out, o, REPEATED_ITEM, length);
      const text = texts?.get(i);
      if (text !== undefined) {
        for (let k = 0; k < length; k++) out[o + k] = text.charCodeAt(k);
      } else if (length > 0) {
        writeDecimal(out, o + length, numbers[i]!, scale);
      }
      o += length;
    }
    return out;
  };
}

function digitCount(abs: number): number {
  let digits = 1;
  // abs < 2^53 < 10^16
  while (digits < 16 && abs >= POW10[digits]!) digits++;
  return digits;
}

/** Writes the text of `value / 10^scale` so that it ends just before `end`. */
function writeDecimal(out: Uint8Array, end: number, value: number, scale: number): void {
  let rest = Math.abs(value);
  let o = end;
  for (let k = 0; k < scale; k++) {
    out[--o] = 48 + (rest % 10);
    rest = Math.floor(rest / 10);
  }
  if (scale > 0) out[--o] = 46; // "."
  do {
    out[--o] = 48 + (rest % 10);
    rest = Math.floor(rest / 10);
  } while (rest > 0);
  if (value < 0) out[--o] = 45; // "-"
}

function bigDecimalText(value: bigint, scale: number): string {
  const digits = (value < 0n ? -value : value).toString().padStart(scale + 1, "0");
  const sign = value < 0n ? "-" : "";
  if (scale === 0) return sign + digits;
  return `${sign}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/** The wire's NULL bitmap (bit set = NULL) of rows `from` to `from + n`; empty if none. */
function nullBitmap(valid: Uint8Array | null, from: number, n: number): Uint8Array {
  if (valid === null) return EMPTY;
  const bitmap = new Uint8Array((n + 7) >> 3);
  let any = 0;
  if ((from & 7) === 0) {
    const base = from >> 3;
    for (let j = 0; j < bitmap.length; j++) bitmap[j] = ~valid[base + j]! & 0xff;
    if (n & 7) bitmap[bitmap.length - 1]! &= (1 << (n & 7)) - 1;
    for (let j = 0; j < bitmap.length; j++) any |= bitmap[j]!;
  } else {
    for (let i = 0; i < n; i++) {
      const row = from + i;
      if (((valid[row >> 3]! >> (row & 7)) & 1) === 0) {
        bitmap[i >> 3]! |= 1 << (i & 7);
        any = 1;
      }
    }
  }
  return any ? bitmap : EMPTY;
}

function isNull(bitmap: Uint8Array, i: number): boolean {
  return bitmap.length > 0 && ((bitmap[i >> 3]! >> (i & 7)) & 1) === 1;
}

function bitmapSize(bitmap: Uint8Array): number {
  return bitmap.length > 0 ? fieldSize(bitmap.length) : 0;
}

function writeBitmap(out: Uint8Array, bitmap: Uint8Array): number {
  if (bitmap.length === 0) return 0;
  const o = writeHeader(out, 0, NULL_BITMAP, bitmap.length);
  out.set(bitmap, o);
  return o + bitmap.length;
}

/** Bytes of a length-delimited field of `length` bytes, tag included. */
function fieldSize(length: number): number {
  return 1 + varintSize(length) + length;
}

function varintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

function writeHeader(out: Uint8Array, o: number, tag: number, length: number): number {
  out[o] = tag;
  return writeVarint(out, o + 1, length);
}

function writeVarint(out: Uint8Array, o: number, value: number): number {
  while (value >= 0x80) {
    out[o++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  out[o++] = value;
  return o;
}
