import type { duckdb } from "@isa-cloud/proto";
import { timestampToDate, timestampToMicros } from "@isa-cloud/proto";
import type { DuckdbType } from "./duckdb-type.js";

type Value = duckdb.Value;

/** How TIMESTAMP values come back. */
export type TimestampMode = "date" | "micros";

export interface DecodeOptions {
  /**
   * "date" (default): a `Date` (millisecond precision). "micros": microseconds since
   * the epoch as a bigint, exact to DuckDB's own resolution. Example: `{ timestamps: "micros" }`.
   */
  timestamps?: TimestampMode;
}

/** An INTERVAL: DuckDB keeps months, days and microseconds apart, and so does this. */
export interface Interval {
  months: number;
  days: number;
  micros: bigint;
}

export type ValueDecoder = (value: Value | undefined) => unknown;

/** Integer types of 32 bits or less: JS numbers. */
export const SMALL_INTEGERS = new Set([
  "TINYINT",
  "SMALLINT",
  "INTEGER",
  "UTINYINT",
  "USMALLINT",
  "UINTEGER",
]);
/** Integer types wider than 53 bits: bigints. */
export const BIG_INTEGERS = new Set(["BIGINT", "UBIGINT", "HUGEINT", "UHUGEINT", "BIGNUM"]);
export const TIMESTAMPS = new Set([
  "TIMESTAMP",
  "TIMESTAMP_S",
  "TIMESTAMP_MS",
  "TIMESTAMP_NS",
  "TIMESTAMP_TZ",
]);

/**
 * Builds the decoder of one column (or nested element) type once, so that decoding a
 * row is a call per value with no parsing or type lookup in the loop.
 *
 * Each decoder handles the member the value mapping table names for its type and
 * falls back to `decodeUntyped` for any other member, so a server that sends a
 * different (but lossless) member, or a type this client does not know, still
 * gives a sensible JS value instead of an error.
 */
export function decoderFor(
  type: DuckdbType | undefined,
  options: DecodeOptions = {},
): ValueDecoder {
  const untyped = untypedDecoder(options);
  if (type === undefined) return untyped;
  switch (type.kind) {
    case "decimal":
    case "enum":
      return untyped;
    case "list": {
      const element = decoderFor(type.element, options);
      return (v) => {
        const kind = v?.kind;
        if (kind?.$case !== "listValue") return untyped(v);
        const items = kind.value.values;
        const out = new Array<unknown>(items.length);
        for (let i = 0; i < items.length; i++) out[i] = element(items[i]);
        return out;
      };
    }
    case "struct": {
      const fields = new Map(type.fields.map((f) => [f.name, decoderFor(f.type, options)]));
      return (v) => {
        const kind = v?.kind;
        if (kind?.$case !== "recordValue") return untyped(v);
        const { names, values } = kind.value;
        const out: Record<string, unknown> = {};
        for (let i = 0; i < names.length; i++) {
          const name = names[i]!;
          setProperty(out, name, (fields.get(name) ?? untyped)(values[i]));
        }
        return out;
      };
    }
    case "map": {
      const key = decoderFor(type.key, options);
      const value = decoderFor(type.value, options);
      return (v) => {
        const kind = v?.kind;
        if (kind?.$case !== "mapValue") return untyped(v);
        const { keys, values } = kind.value;
        const out = new Map<unknown, unknown>();
        for (let i = 0; i < keys.length; i++) out.set(key(keys[i]), value(values[i]));
        return out;
      };
    }
    case "union": {
      // The wire carries only the active member's value, not its tag: take the
      // first member whose type travels in the member that arrived.
      const members = type.members.map((m) => ({
        accepts: wireMembersOf(m.type),
        decode: decoderFor(m.type, options),
      }));
      return (v) => {
        const current = v?.kind?.$case;
        if (current === undefined || current === "nullValue") return null;
        const member = members.find((m) => m.accepts.has(current));
        return (member?.decode ?? untyped)(v);
      };
    }
    case "scalar":
      return scalarDecoder(type.name, options, untyped);
  }
}

function scalarDecoder(name: string, options: DecodeOptions, untyped: ValueDecoder): ValueDecoder {
  if (SMALL_INTEGERS.has(name)) {
    return (v) => {
      const kind = v?.kind;
      return kind?.$case === "intValue" ? Number(kind.value) : untyped(v);
    };
  }
  if (BIG_INTEGERS.has(name)) {
    return (v) => {
      const kind = v?.kind;
      if (kind?.$case === "intValue") return kind.value;
      // UBIGINT, HUGEINT and wider travel as decimal digits so that nothing is rounded.
      if (kind?.$case === "stringValue" && /^-?\d+$/.test(kind.value)) return BigInt(kind.value);
      return untyped(v);
    };
  }
  if (TIMESTAMPS.has(name)) {
    return options.timestamps === "micros"
      ? (v) => {
          const kind = v?.kind;
          return kind?.$case === "timestampValue" ? timestampToMicros(kind.value) : untyped(v);
        }
      : (v) => {
          const kind = v?.kind;
          return kind?.$case === "timestampValue" ? timestampToDate(kind.value) : untyped(v);
        };
  }
  if (name === "INTERVAL") {
    return (v) => {
      const kind = v?.kind;
      if (kind?.$case !== "recordValue") return untyped(v);
      const interval: Interval = { months: 0, days: 0, micros: 0n };
      const { names, values } = kind.value;
      for (let i = 0; i < names.length; i++) {
        const member = values[i]?.kind;
        if (member?.$case !== "intValue") continue;
        if (names[i] === "months") interval.months = Number(member.value);
        else if (names[i] === "days") interval.days = Number(member.value);
        else if (names[i] === "micros") interval.micros = member.value;
      }
      return interval;
    };
  }
  return untyped;
}

/**
 * Decodes by the member alone, for values whose DuckDB type is unknown (results
 * of QueryMinIOFile and column statistics carry no type names). Integers become
 * numbers when they are safe integers, bigints otherwise, so nothing is rounded.
 */
export function untypedDecoder(options: DecodeOptions = {}): ValueDecoder {
  const micros = options.timestamps === "micros";
  const decode: ValueDecoder = (v) => {
    const kind = v?.kind;
    if (kind === undefined) return null;
    switch (kind.$case) {
      case "nullValue":
        return null;
      case "stringValue":
      case "doubleValue":
      case "boolValue":
        return kind.value;
      case "bytesValue":
        return copyBytes(kind.value);
      case "intValue": {
        const n = Number(kind.value);
        return Number.isSafeInteger(n) ? n : kind.value;
      }
      case "timestampValue":
        return micros ? timestampToMicros(kind.value) : timestampToDate(kind.value);
      case "structValue":
        return kind.value ?? {};
      case "listValue":
        return kind.value.values.map(decode);
      case "recordValue": {
        const out: Record<string, unknown> = {};
        const { names, values } = kind.value;
        for (let i = 0; i < names.length; i++) setProperty(out, names[i]!, decode(values[i]));
        return out;
      }
      case "mapValue": {
        const out = new Map<unknown, unknown>();
        const { keys, values } = kind.value;
        for (let i = 0; i < keys.length; i++) out.set(decode(keys[i]), decode(values[i]));
        return out;
      }
    }
  };
  return decode;
}

type ValueCase = NonNullable<Value["kind"]>["$case"];

/** Which Value members a type travels in, per the value mapping table. */
function wireMembersOf(type: DuckdbType): Set<ValueCase> {
  switch (type.kind) {
    case "decimal":
    case "enum":
      return new Set(["stringValue"]);
    case "list":
      return new Set(["listValue"]);
    case "struct":
      return new Set(["recordValue"]);
    case "map":
      return new Set(["mapValue"]);
    case "union":
      return new Set(type.members.flatMap((m) => [...wireMembersOf(m.type)]));
    case "scalar": {
      const name = type.name;
      if (SMALL_INTEGERS.has(name) || name === "BIGINT") return new Set(["intValue"]);
      if (BIG_INTEGERS.has(name)) return new Set(["stringValue", "intValue"]);
      if (TIMESTAMPS.has(name)) return new Set(["timestampValue"]);
      if (name === "FLOAT" || name === "DOUBLE") return new Set(["doubleValue"]);
      if (name === "BOOLEAN") return new Set(["boolValue"]);
      if (name === "BLOB") return new Set(["bytesValue"]);
      if (name === "INTERVAL") return new Set(["recordValue"]);
      return new Set(["stringValue"]);
    }
  }
}

/**
 * A fresh Uint8Array: the decoded field is a view into the whole received message,
 * which a kept BLOB would otherwise hold in memory (and it would be a Buffer).
 */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/** `out[name] = value`, except that a field named "__proto__" stays a field. */
export function setProperty(out: Record<string, unknown>, name: string, value: unknown): void {
  if (name === "__proto__") {
    Object.defineProperty(out, name, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    out[name] = value;
  }
}
