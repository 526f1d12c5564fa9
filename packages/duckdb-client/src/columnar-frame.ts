import { duckdb } from "@isa-cloud/proto";

/** Which member of ColumnVector's `data` a column arrived in; "none" when it had none. */
export type WireLayout = "int64" | "float64" | "bool" | "string" | "bytes" | "value" | "none";

/** One ColumnVector as views over the received message: checked, nothing decoded yet. */
export interface WireVector {
  /** Bit i (least significant first) set when row i is NULL; empty when no row is. */
  readonly nulls: Uint8Array;
  readonly layout: WireLayout;
  /** int64, float64, bool: the packed values; string, bytes: the repeated field's bytes. */
  readonly data: Uint8Array;
  /** string, bytes: item i is `data[items[2i] .. items[2i + 1])`. */
  readonly items: Int32Array | undefined;
  /** value: the decoded Values. */
  readonly values: duckdb.Value[] | undefined;
}

/** A ColumnarChunk message, its vectors left as bytes. */
export interface ColumnarFrame {
  columns: string[];
  columnTypes: string[];
  rowCount: number;
  vectors: WireVector[];
  isLast: boolean;
  executionTimeMs: number;
}

/**
 * ColumnarChunk as nice-grpc's response type: `decode` is what grpc-js calls on each
 * received message. ts-proto's decoder would make a JS string per VARCHAR cell and copy
 * each packed vector; this one only walks the field headers, so a column's values are
 * decoded when, and as far as, the reader asks (column-vector.ts). A malformed message
 * throws here, which grpc-js turns into INTERNAL "Response message parsing error: ..."
 * and the call is cancelled. The client never sends this message, so there is no encoder.
 */
export const columnarFrameType = {
  decode: (input: Uint8Array): ColumnarFrame => parseColumnarChunk(input),
  encode(_frame: ColumnarFrame): { finish(): Uint8Array } {
    throw new Error("a ColumnarChunk is only received by this client, never sent");
  },
};

const VARINT = 0;
const FIXED64 = 1;
const DELIMITED = 2;
const FIXED32 = 5;

const utf8 = new TextDecoder();

/** Parses one ColumnarChunk (fields in any order, as protobuf allows) and checks its sizes. */
export function parseColumnarChunk(bytes: Uint8Array): ColumnarFrame {
  const frame: ColumnarFrame = {
    columns: [],
    columnTypes: [],
    rowCount: 0,
    vectors: [],
    isLast: false,
    executionTimeMs: 0,
  };
  const r = new Reader(bytes, 0, bytes.length, "ColumnarChunk");
  while (r.more()) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (field === 1 && wire === DELIMITED) frame.columns.push(utf8.decode(r.delimited()));
    else if (field === 2 && wire === DELIMITED) frame.columnTypes.push(utf8.decode(r.delimited()));
    else if (field === 3 && wire === VARINT) frame.rowCount = r.int32();
    else if (field === 4 && wire === DELIMITED)
      frame.vectors.push(parseVector(r.sub("ColumnVector")));
    else if (field === 5 && wire === VARINT) frame.isLast = r.varint() !== 0;
    else if (field === 6 && wire === FIXED64) frame.executionTimeMs = r.double();
    else r.skip(wire);
  }
  checkSizes(frame);
  return frame;
}

function parseVector(r: Reader): WireVector {
  let nulls = EMPTY;
  let layout: WireLayout = "none";
  let data = EMPTY;
  let items: Int32Array | undefined;
  let values: duckdb.Value[] | undefined;
  while (r.more()) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire !== DELIMITED || field < 1 || field > 7) {
      r.skip(wire);
      continue;
    }
    const body = r.delimited();
    if (field === 1) {
      nulls = body;
      continue;
    }
    // The members of a oneof: the last one present wins, as in ts-proto's decoder.
    layout = LAYOUTS[field]!;
    data = body;
    items = layout === "string" || layout === "bytes" ? repeatedItems(body, layout) : undefined;
    values = layout === "value" ? valueItems(body) : undefined;
  }
  return { nulls, layout, data, items, values };
}

/** A ValueVector's Values, decoded by ts-proto (nested values are not worth walking by hand). */
function valueItems(body: Uint8Array): duckdb.Value[] {
  try {
    return duckdb.ValueVector.decode(body).values;
  } catch (err) {
    throw malformed(`a value vector does not hold Values (${(err as Error).message})`);
  }
}

const EMPTY: Uint8Array = new Uint8Array(0);
// Field 1, length-delimited: each item of a StringVector or BytesVector.
const ITEM = (1 << 3) | DELIMITED;
const LAYOUTS: Record<number, WireLayout> = {
  2: "int64",
  3: "float64",
  4: "bool",
  5: "string",
  6: "bytes",
  7: "value",
};

/** Where each `values` item (field 1) of a StringVector or BytesVector lies. */
function repeatedItems(body: Uint8Array, layout: WireLayout): Int32Array {
  const r = new Reader(body, 0, body.length, `${layout} vector`);
  let bounds = new Int32Array(64);
  let n = 0;
  while (r.more()) {
    const tag = r.varint();
    if (tag !== ITEM) {
      r.skip(tag & 7);
      continue;
    }
    const length = r.length();
    if (n * 2 === bounds.length) {
      const grown = new Int32Array(bounds.length * 2);
      grown.set(bounds);
      bounds = grown;
    }
    bounds[n * 2] = r.pos;
    bounds[n * 2 + 1] = r.pos + length;
    r.pos += length;
    n++;
  }
  return bounds.subarray(0, n * 2);
}

/** Every vector must hold `rowCount` rows: a short one would read as other rows' values. */
function checkSizes(frame: ColumnarFrame): void {
  const n = frame.rowCount;
  if (n < 0) throw malformed(`row_count is ${n}`);
  // Only the first chunk names the columns; the decoder checks the later ones.
  const columns = frame.columns.length;
  if (n > 0 && columns > 0 && frame.vectors.length !== columns)
    throw malformed(`${frame.vectors.length} vectors for ${columns} columns`);
  frame.vectors.forEach((v, c) => {
    const width = v.layout === "int64" || v.layout === "float64" ? 8 : v.layout === "bool" ? 1 : 0;
    const count = v.items ? v.items.length / 2 : (v.values?.length ?? 0);
    const ok =
      v.layout === "none" ||
      (width > 0 ? v.data.length === n * width : count === n) ||
      (n === 0 && v.data.length === 0);
    if (!ok) {
      const has = width > 0 ? `${v.data.length} bytes of` : `${count}`;
      throw malformed(`vector ${c} has ${has} ${v.layout} data for ${n} rows`);
    }
    if (v.nulls.length > 0 && v.nulls.length !== (n + 7) >> 3)
      throw malformed(`vector ${c} has a NULL bitmap of ${v.nulls.length} bytes for ${n} rows`);
  });
}

export function malformed(detail: string): Error {
  return new Error(`malformed ColumnarChunk: ${detail}`);
}

/** The protobuf wire format, as far as this message needs it; every read is bounds-checked. */
class Reader {
  pos: number;
  readonly #bytes: Uint8Array;
  readonly #end: number;
  readonly #what: string;

  constructor(bytes: Uint8Array, pos: number, end: number, what: string) {
    this.#bytes = bytes;
    this.pos = pos;
    this.#end = end;
    this.#what = what;
  }

  more(): boolean {
    return this.pos < this.#end;
  }

  /** A varint of up to 53 bits (lengths, counts, tags, bools); wider ones are refused. */
  varint(): number {
    const bytes = this.#bytes;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (this.pos >= this.#end) throw malformed(`${this.#what} ends inside a varint`);
      const b = bytes[this.pos++]!;
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 128;
    }
    throw malformed(`${this.#what} has a varint longer than this field allows`);
  }

  /** An int32 field: negative ones take ten bytes (sign-extended to 64 bits). */
  int32(): number {
    const start = this.pos;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.#end) throw malformed(`${this.#what} ends inside a varint`);
      if (this.#bytes[this.pos++]! < 0x80) {
        const bytes = this.#bytes.subarray(start, this.pos);
        let value = 0;
        for (let k = Math.min(bytes.length, 5) - 1; k >= 0; k--)
          value = (value << 7) | (bytes[k]! & 0x7f);
        return value | 0;
      }
    }
    throw malformed(`${this.#what} has a varint longer than ten bytes`);
  }

  length(): number {
    const length = this.varint();
    if (length > this.#end - this.pos)
      throw malformed(
        `${this.#what} has a field of ${length} bytes where ${this.#end - this.pos} remain`,
      );
    return length;
  }

  delimited(): Uint8Array {
    const length = this.length();
    const body = this.#bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    return body;
  }

  sub(what: string): Reader {
    const length = this.length();
    const r = new Reader(this.#bytes, this.pos, this.pos + length, what);
    this.pos += length;
    return r;
  }

  double(): number {
    if (this.#end - this.pos < 8) throw malformed(`${this.#what} ends inside a double`);
    const view = new DataView(this.#bytes.buffer, this.#bytes.byteOffset + this.pos, 8);
    this.pos += 8;
    return view.getFloat64(0, true);
  }

  skip(wire: number): void {
    if (wire === VARINT) this.int32();
    else if (wire === DELIMITED) {
      const length = this.length();
      this.pos += length;
    } else if (wire === FIXED64 || wire === FIXED32) {
      const size = wire === FIXED64 ? 8 : 4;
      if (this.#end - this.pos < size) throw malformed(`${this.#what} ends inside a field`);
      this.pos += size;
    } else {
      throw malformed(`${this.#what} has a field of wire type ${wire}`);
    }
  }
}
