import type { duckdb } from "@isa-cloud/proto";
import { dateToTimestamp } from "@isa-cloud/proto";

type Value = duckdb.Value;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Marks a value to be bound as JSON text (`struct_value`) instead of a STRUCT. */
export class JsonParameter {
  constructor(readonly value: Record<string, unknown>) {}
}

/**
 * Binds a plain object as JSON (DuckDB's JSON type) instead of a STRUCT.
 * Example: `client.execute(db, "INSERT INTO t VALUES ($doc)", { doc: asJson({ a: [1, 2] }) })`.
 */
export function asJson(value: Record<string, unknown>): JsonParameter {
  return new JsonParameter(value);
}

/** Thrown for a parameter that has no `Value` form; the client turns it into INVALID_ARGUMENT. */
export class ParameterError extends Error {
  override name = "ParameterError";
}

/**
 * Encodes named query parameters by the rules of the value mapping table. Everything
 * is checked before any call is made, so a bad parameter never reaches the server.
 */
export function encodeParameters(
  params: Record<string, unknown> | undefined,
): Record<string, Value> {
  const out: Record<string, Value> = {};
  if (params === undefined || params === null) return out;
  if (!isPlainObject(params)) {
    throw new ParameterError("parameters must be a plain object of name -> value");
  }
  for (const [name, value] of Object.entries(params)) {
    if (name === "" || name.startsWith("$")) {
      throw new ParameterError(
        `parameter name "${name}" is not valid: name it without the "$" it has in SQL ({ id: 1 } for $id)`,
      );
    }
    out[name] = encodeValue(value, name, new Set());
  }
  return out;
}

/** Encodes one JS value; `path` names it in error messages (`x`, `x[2].y`). */
export function encodeValue(value: unknown, path: string, seen: Set<object>): Value {
  switch (typeof value) {
    case "undefined":
      return { kind: { $case: "nullValue", value: 0 } };
    case "string":
      return { kind: { $case: "stringValue", value } };
    case "boolean":
      return { kind: { $case: "boolValue", value } };
    case "number":
      // A whole number is an integer to JS programmers; beyond 2^53 it may already be
      // rounded, so it is bound as the double it is.
      return Number.isSafeInteger(value)
        ? { kind: { $case: "intValue", value: BigInt(value) } }
        : { kind: { $case: "doubleValue", value } };
    case "bigint":
      // Beyond int64, the decimal digits bind as VARCHAR and DuckDB casts them
      // exactly wherever the SQL needs HUGEINT or DECIMAL.
      return value >= INT64_MIN && value <= INT64_MAX
        ? { kind: { $case: "intValue", value } }
        : { kind: { $case: "stringValue", value: value.toString() } };
    case "object":
      return encodeObject(value, path, seen);
    default:
      throw new ParameterError(
        `parameter ${path} is a ${typeof value}, which has no SQL form: pass a string, number, bigint, boolean, Date, Uint8Array, array, Map, plain object or null`,
      );
  }
}

function encodeObject(value: object | null, path: string, seen: Set<object>): Value {
  if (value === null) return { kind: { $case: "nullValue", value: 0 } };
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime()))
      throw new ParameterError(`parameter ${path} is an invalid Date`);
    return { kind: { $case: "timestampValue", value: dateToTimestamp(value) } };
  }
  if (value instanceof Uint8Array) return { kind: { $case: "bytesValue", value } };
  if (value instanceof ArrayBuffer) {
    return { kind: { $case: "bytesValue", value: new Uint8Array(value) } };
  }
  if (ArrayBuffer.isView(value)) {
    throw new ParameterError(
      `parameter ${path} is a ${value.constructor.name}: pass bytes as a Uint8Array or Buffer, numbers as an array (Array.from(x))`,
    );
  }
  if (value instanceof JsonParameter) {
    // Struct holds JSON only: reject what JSON.stringify would drop or fail on.
    return { kind: { $case: "structValue", value: toJsonObject(value.value, path) } };
  }
  if (seen.has(value)) throw new ParameterError(`parameter ${path} refers to itself`);
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      return {
        kind: {
          $case: "listValue",
          value: { values: value.map((item, i) => encodeValue(item, `${path}[${i}]`, seen)) },
        },
      };
    }
    if (value instanceof Map) {
      const keys: Value[] = [];
      const values: Value[] = [];
      for (const [k, v] of value) {
        const label = `${path}<${String(k)}>`;
        keys.push(encodeValue(k, `${label} (key)`, seen));
        values.push(encodeValue(v, label, seen));
      }
      return { kind: { $case: "mapValue", value: { keys, values } } };
    }
    if (isPlainObject(value)) {
      const names: string[] = [];
      const values: Value[] = [];
      for (const [k, v] of Object.entries(value)) {
        names.push(k);
        values.push(encodeValue(v, `${path}.${k}`, seen));
      }
      return { kind: { $case: "recordValue", value: { names, values } } };
    }
  } finally {
    seen.delete(value);
  }
  throw new ParameterError(
    `parameter ${path} is a ${value.constructor?.name ?? "object"}, which has no SQL form: pass a string, number, bigint, boolean, Date, Uint8Array, array, Map, plain object or null`,
  );
}

function toJsonObject(value: unknown, path: string): Record<string, unknown> {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new ParameterError(`parameter ${path} is not JSON: ${(err as Error).message}`);
  }
  const parsed: unknown = text === undefined ? undefined : JSON.parse(text);
  if (!isPlainObject(parsed)) throw new ParameterError(`parameter ${path} must be a JSON object`);
  return parsed;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
