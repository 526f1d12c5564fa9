import type { duckdb } from "@isa-cloud/proto";
import { parseDuckdbType } from "./duckdb-type.js";
import {
  type DecodeOptions,
  decoderFor,
  setProperty,
  untypedDecoder,
  type ValueDecoder,
} from "./value-decoder.js";

/** A result column: its key in each row object and its DuckDB type name. */
export interface Column {
  name: string;
  /** DuckDB's type name, e.g. "DECIMAL(10,2)"; empty when the service did not say. */
  type: string;
}

export type RowDecoder<T> = (row: duckdb.Row) => T;

/**
 * Turns rows of a result into objects keyed by column name, with one decoder per
 * column built up front. Columns of the same name (`SELECT 1 AS a, 2 AS a`) would
 * overwrite each other in an object, so later ones get DuckDB's own suffixes
 * (`a_1`, `a_2`); `columns` reports the keys actually used.
 */
export function createRowDecoder<T = Record<string, unknown>>(
  names: readonly string[],
  types: readonly string[],
  options: DecodeOptions = {},
): { columns: Column[]; decode: RowDecoder<T> } {
  const keys = uniqueNames(names);
  const decoders: ValueDecoder[] = keys.map((_, i) => {
    const type = types[i];
    if (!type) return untypedDecoder(options);
    let parsed: ReturnType<typeof parseDuckdbType> | undefined;
    try {
      parsed = parseDuckdbType(type);
    } catch {
      // A type name this client cannot read still decodes, by the member alone.
      parsed = undefined;
    }
    return decoderFor(parsed, options);
  });
  const columns = keys.map((name, i) => ({ name, type: types[i] ?? "" }));
  const n = keys.length;
  const plain = !keys.includes("__proto__");
  const decode = (row: duckdb.Row): T => {
    const values = row.values;
    const out: Record<string, unknown> = {};
    if (plain) {
      for (let i = 0; i < n; i++) out[keys[i]!] = decoders[i]!(values[i]);
    } else {
      for (let i = 0; i < n; i++) setProperty(out, keys[i]!, decoders[i]!(values[i]));
    }
    return out as T;
  };
  return { columns, decode };
}

/** Column names as row keys: repeats get DuckDB's suffixes (`a`, `a_1`). */
export function uniqueNames(names: readonly string[]): string[] {
  const seen = new Set<string>();
  return names.map((name) => {
    let key = name;
    for (let i = 1; seen.has(key); i++) key = `${name}_${i}`;
    seen.add(key);
    return key;
  });
}
