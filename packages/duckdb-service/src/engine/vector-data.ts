import { DuckDBBlobVector, type DuckDBVector } from "@duckdb/node-api";

/**
 * node-api (pinned to 1.5.6-r.1 in package.json) keeps a vector's data as a typed array
 * `items` or a DataView `dataView` over DuckDB's own memory, its validity as
 * `validity.data` (a BigUint64Array, null when no row is NULL) and the raw vector as
 * `vector`. Its typings call these private and offer `getItem`, which allocates a value
 * per row (a BigInt for 64-bit types, an object for DECIMAL and timestamps) and tests
 * validity with BigInt arithmetic: that was most of the columnar stream's CPU. A shape
 * these functions do not recognise gives `undefined` and the caller encodes value by
 * value, so a node-api upgrade can cost speed but not correctness (columnar-chunk.test.ts
 * compares both ways for every type).
 */
interface Internals {
  items?: unknown;
  dataView?: unknown;
  validity?: { data?: unknown; offset?: unknown };
  vector?: unknown;
}

/** The vector's data (fixed-width values, or 16-byte string_t entries) as bytes. */
export function vectorBytes(vector: DuckDBVector): Uint8Array | undefined {
  const { items, dataView } = vector as unknown as Internals;
  const data = items ?? dataView;
  if (!ArrayBuffer.isView(data)) return undefined;
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** The validity mask as bytes, bit i set when row i is valid; null when no row is NULL. */
export function validityBytes(vector: DuckDBVector): Uint8Array | null | undefined {
  const validity = (vector as unknown as Internals).validity;
  if (validity === undefined || validity.offset !== 0) return undefined;
  if (validity.data === null) return null;
  if (!(validity.data instanceof BigUint64Array)) return undefined;
  const data = validity.data;
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Reads string_t entries longer than the 12 bytes DuckDB keeps inline: those point into
 * DuckDB's heap, which only the native binding can read (BLOB's `getItemBytes`).
 */
export function outOfLineReader(vector: DuckDBVector): DuckDBBlobVector | undefined {
  if (vector instanceof DuckDBBlobVector) return vector;
  const raw = (vector as unknown as Internals).vector;
  if (raw === undefined) return undefined;
  type Raw = Parameters<typeof DuckDBBlobVector.fromRawVector>[0];
  return DuckDBBlobVector.fromRawVector(raw as Raw, vector.itemCount);
}
