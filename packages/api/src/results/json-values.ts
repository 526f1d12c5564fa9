import type { Column } from "@isa-cloud/duckdb-client";

/** Column types whose values JSON carries as strings: JSON numbers are exact only up to 2^53. */
const EXACT_AS_TEXT =
  /^(BIGINT|INT8|LONG|UBIGINT|HUGEINT|INT128|UHUGEINT|BIGNUM|VARINT|DECIMAL|NUMERIC)\b/i;

/**
 * A value in JSON per the rule the schema states (JSON_VALUE_RULE): 64-bit and wider
 * integers and decimals as strings, non-finite doubles as null, timestamps ISO-8601,
 * bytes base64, maps as objects. Nested values follow the same rule, so a column's
 * values have one JSON type in every row.
 */
export function jsonValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (Array.isArray(value)) return value.map(jsonValue);
  if (value instanceof Map) {
    return Object.fromEntries([...value].map(([k, v]) => [String(k), jsonValue(v)]));
  }
  if (typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonValue(v)]));
  }
  return value;
}

/** Per column: the JSON encoder of its type (strings for the exact-as-text types, whatever arrives). */
export function jsonEncoders(columns: readonly Column[]): Array<(value: unknown) => unknown> {
  return columns.map((column) =>
    EXACT_AS_TEXT.test(column.type)
      ? (value: unknown) => (value === null || value === undefined ? null : String(value))
      : jsonValue,
  );
}

/** A row as a JSON object, keyed by column name. */
export function jsonRowEncoder(columns: readonly Column[]) {
  const encoders = jsonEncoders(columns);
  return (row: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < columns.length; i++) {
      const name = columns[i]!.name;
      out[name] = encoders[i]!(row[name]);
    }
    return out;
  };
}
