import type { Column } from "./row-decoder.js";

/**
 * One column of one chunk of a streamed result (`QueryStream.columnBatches()`). `kind`
 * says what `values()` returns; `get(i)` and `toArray()` give the very values the row
 * objects hold (`Date`s, bigints, nulls: the README's value table) whatever the kind.
 *
 * | kind | DuckDB types | `values()` |
 * | --- | --- | --- |
 * | `"int32"` | TINYINT SMALLINT INTEGER UTINYINT USMALLINT | `Int32Array` |
 * | `"uint32"` | UINTEGER | `Uint32Array` |
 * | `"int64"` | BIGINT (and integers of a type this client does not know) | `BigInt64Array` |
 * | `"timestamp"` | TIMESTAMP, _S, _MS, _NS, WITH TIME ZONE | `BigInt64Array` of µs since the epoch, ±(2^63 - 1) for ±infinity |
 * | `"float64"` | FLOAT DOUBLE | `Float64Array` |
 * | `"bool"` | BOOLEAN | `Uint8Array` of 0 and 1 |
 * | `"string"` | VARCHAR, DECIMAL, DATE, TIME, UUID, HUGEINT, ... (the types sent as text) | `(string \| null)[]`, the text as sent |
 * | `"bytes"` | BLOB | `(Uint8Array \| null)[]` |
 * | `"value"` | LIST STRUCT MAP UNION INTERVAL ...; any column of the rows transport | `unknown[]`, as the rows hold them |
 *
 * Typed arrays are views over the received message where its alignment allows (else a
 * copy) and hold 0 in NULL rows: ask `isNull(i)` or read `nulls`. Arrays hold `null`.
 */
export type ColumnVector =
  | KindOf<"int32", Int32Array>
  | KindOf<"uint32", Uint32Array>
  | KindOf<"int64", BigInt64Array>
  | KindOf<"timestamp", BigInt64Array>
  | KindOf<"float64", Float64Array>
  | KindOf<"bool", Uint8Array>
  | KindOf<"string", (string | null)[]>
  | KindOf<"bytes", (Uint8Array | null)[]>
  | KindOf<"value", unknown[]>;

export type VectorKind = ColumnVector["kind"];

export interface KindOf<K extends string, V> {
  readonly kind: K;
  /** The column's key in row objects. */
  readonly name: string;
  /** DuckDB's type name; empty when the service did not say. */
  readonly type: string;
  /** Rows in this chunk. */
  readonly length: number;
  /** Bit i (least significant first) set when row i is NULL; undefined when no row is. */
  readonly nulls: Uint8Array | undefined;
  /** The column's values (decoded on the first call, then kept). */
  values(): V;
  isNull(row: number): boolean;
  /** Row `row`'s value as the row objects have it (RangeError outside 0 .. length - 1). */
  get(row: number): unknown;
  /** Every row's value as the row objects have it. */
  toArray(): unknown[];
}

/**
 * A vector of any kind: `values` makes the array once (on demand), `at` reads row `i` of
 * it as the row objects want it (called only for rows that are not NULL).
 */
export class WireColumnVector<V extends ArrayLike<unknown>> {
  readonly kind: VectorKind;
  readonly name: string;
  readonly type: string;
  readonly length: number;
  readonly nulls: Uint8Array | undefined;
  readonly #make: () => V;
  readonly #at: (values: V, row: number) => unknown;
  #values: V | undefined;

  constructor(
    kind: VectorKind,
    column: Column,
    length: number,
    nulls: Uint8Array | undefined,
    make: () => V,
    at: (values: V, row: number) => unknown,
  ) {
    this.kind = kind;
    this.name = column.name;
    this.type = column.type;
    this.length = length;
    this.nulls = nulls && nulls.length > 0 ? nulls : undefined;
    this.#make = make;
    this.#at = at;
  }

  values(): V {
    this.#values ??= this.#make();
    return this.#values;
  }

  isNull(row: number): boolean {
    const nulls = this.nulls;
    return nulls !== undefined && ((nulls[row >> 3]! >> (row & 7)) & 1) === 1;
  }

  get(row: number): unknown {
    if (!Number.isInteger(row) || row < 0 || row >= this.length) {
      throw new RangeError(`row ${row} is outside this vector's ${this.length} rows`);
    }
    return this.isNull(row) ? null : this.#at(this.values(), row);
  }

  toArray(): unknown[] {
    const values = this.values();
    const at = this.#at;
    const n = this.length;
    const out = new Array<unknown>(n);
    const nulls = this.nulls;
    if (nulls === undefined) {
      for (let i = 0; i < n; i++) out[i] = at(values, i);
    } else {
      for (let i = 0; i < n; i++) out[i] = (nulls[i >> 3]! >> (i & 7)) & 1 ? null : at(values, i);
    }
    return out;
  }
}

/** A column of values already decoded (the rows transport's): kind "value". */
export function vectorOfValues(column: Column, values: unknown[]): ColumnVector {
  const nulls = new Uint8Array((values.length + 7) >> 3);
  let any = false;
  for (let i = 0; i < values.length; i++) {
    if (values[i] === null) {
      nulls[i >> 3]! |= 1 << (i & 7);
      any = true;
    }
  }
  const vector = new WireColumnVector(
    "value",
    column,
    values.length,
    any ? nulls : undefined,
    () => values,
    (v, row) => v[row],
  );
  return vector as unknown as ColumnVector;
}
