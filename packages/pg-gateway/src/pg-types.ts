import { type DuckdbType, parseDuckdbType } from "@isa-cloud/duckdb-client";

/**
 * How a DuckDB result column goes on the Postgres wire: the type OID drivers decode
 * by, `typlen`/`typmod` for RowDescription, and the text form of a value (the gateway
 * sends every value as text: drivers ask for text unless told otherwise). Values come
 * decoded by duckdb-client with `timestamps: "micros"`, so nothing is rounded on the way.
 * The table is also in the README ("Types").
 */
export interface PgType {
  oid: number;
  typlen: number;
  typmod: number;
  /** The Postgres text form of a non-NULL value. */
  text: (value: unknown) => string;
}

interface Base {
  oid: number;
  arrayOid: number;
  typlen: number;
  text: (value: unknown) => string;
}

const plain = (v: unknown) => String(v);

const BOOL: Base = { oid: 16, arrayOid: 1000, typlen: 1, text: (v) => (v ? "t" : "f") };
const BYTEA: Base = {
  oid: 17,
  arrayOid: 1001,
  typlen: -1,
  text: (v) => byteaText(v as Uint8Array),
};
const INT2: Base = { oid: 21, arrayOid: 1005, typlen: 2, text: plain };
const INT4: Base = { oid: 23, arrayOid: 1007, typlen: 4, text: plain };
const INT8: Base = { oid: 20, arrayOid: 1016, typlen: 8, text: plain };
const NUMERIC: Base = { oid: 1700, arrayOid: 1231, typlen: -1, text: plain };
const FLOAT4: Base = {
  oid: 700,
  arrayOid: 1021,
  typlen: 4,
  text: (v) => floatText(v as number, true),
};
const FLOAT8: Base = {
  oid: 701,
  arrayOid: 1022,
  typlen: 8,
  text: (v) => floatText(v as number, false),
};
const TEXT: Base = { oid: 25, arrayOid: 1009, typlen: -1, text: plain };
const JSON_: Base = { oid: 114, arrayOid: 199, typlen: -1, text: plain };
const UUID: Base = { oid: 2950, arrayOid: 2951, typlen: 16, text: plain };
const VARBIT: Base = { oid: 1562, arrayOid: 1563, typlen: -1, text: plain };
const DATE: Base = { oid: 1082, arrayOid: 1182, typlen: 4, text: (v) => bcSuffix(String(v)) };
const TIME: Base = { oid: 1083, arrayOid: 1183, typlen: 8, text: plain };
const TIMETZ: Base = { oid: 1266, arrayOid: 1270, typlen: 12, text: plain };
const TIMESTAMP: Base = {
  oid: 1114,
  arrayOid: 1115,
  typlen: 8,
  text: (v) => timestampText(v, false),
};
const TIMESTAMPTZ: Base = {
  oid: 1184,
  arrayOid: 1185,
  typlen: 8,
  text: (v) => timestampText(v, true),
};
const INTERVAL: Base = {
  oid: 1186,
  arrayOid: 1187,
  typlen: 16,
  text: (v) => intervalText(v as { months: number; days: number; micros: bigint }),
};

const SCALARS: Record<string, Base> = {
  BOOLEAN: BOOL,
  TINYINT: INT2,
  SMALLINT: INT2,
  UTINYINT: INT2,
  INTEGER: INT4,
  USMALLINT: INT4,
  BIGINT: INT8,
  UINTEGER: INT8,
  UBIGINT: NUMERIC,
  HUGEINT: NUMERIC,
  UHUGEINT: NUMERIC,
  BIGNUM: NUMERIC,
  FLOAT: FLOAT4,
  DOUBLE: FLOAT8,
  VARCHAR: TEXT,
  JSON: JSON_,
  UUID: UUID,
  BIT: VARBIT,
  BLOB: BYTEA,
  DATE: DATE,
  TIME: TIME,
  TIME_NS: TIME,
  TIME_TZ: TIMETZ,
  TIMESTAMP: TIMESTAMP,
  TIMESTAMP_S: TIMESTAMP,
  TIMESTAMP_MS: TIMESTAMP,
  TIMESTAMP_NS: TIMESTAMP,
  TIMESTAMP_TZ: TIMESTAMPTZ,
  INTERVAL: INTERVAL,
};

/** The wire type of a column of DuckDB type `typeName` (as the service names it). */
export function pgTypeOf(typeName: string): PgType {
  let type: DuckdbType;
  try {
    type = parseDuckdbType(typeName);
  } catch {
    return { oid: TEXT.oid, typlen: -1, typmod: -1, text: plain };
  }
  return fromType(type);
}

function fromType(type: DuckdbType): PgType {
  switch (type.kind) {
    case "scalar": {
      const base = SCALARS[type.name] ?? TEXT;
      return { oid: base.oid, typlen: base.typlen, typmod: -1, text: base.text };
    }
    case "decimal":
      // numeric's typmod: ((precision << 16) | scale) + VARHDRSZ.
      return { oid: 1700, typlen: -1, typmod: ((type.width << 16) | type.scale) + 4, text: plain };
    case "enum":
      return { oid: TEXT.oid, typlen: -1, typmod: -1, text: plain };
    case "list": {
      const element = elementBase(type.element);
      if (element) {
        return { oid: element.arrayOid, typlen: -1, typmod: -1, text: (v) => arrayText(v, type) };
      }
      return { oid: JSON_.oid, typlen: -1, typmod: -1, text: (v) => jsonText(v) };
    }
    case "struct":
    case "map":
      return { oid: JSON_.oid, typlen: -1, typmod: -1, text: (v) => jsonText(v) };
    case "union":
      return { oid: TEXT.oid, typlen: -1, typmod: -1, text: (v) => scalarOrJson(v) };
  }
}

/** The base of a list's innermost scalar element, when it has a Postgres array type. */
function elementBase(type: DuckdbType): Base | undefined {
  if (type.kind === "list") return elementBase(type.element);
  if (type.kind === "decimal") return NUMERIC;
  if (type.kind === "enum") return TEXT;
  if (type.kind === "scalar") return SCALARS[type.name] ?? TEXT;
  return undefined;
}

/**
 * Postgres array literal: `{1,2,NULL}`, `{"a b","x\"y"}`, nested lists as nested braces.
 * @see https://www.postgresql.org/docs/current/arrays.html#ARRAYS-IO
 */
function arrayText(value: unknown, type: DuckdbType): string {
  if (type.kind !== "list") {
    const base = elementBase(type) ?? TEXT;
    return quoteElement(base.text(value));
  }
  const items = (value as unknown[]).map((v) => (v === null ? "NULL" : arrayText(v, type.element)));
  return `{${items.join(",")}}`;
}

function quoteElement(s: string): string {
  if (s !== "" && !/[{}",\\\s]/.test(s) && s.toUpperCase() !== "NULL") return s;
  return `"${s.replace(/[\\"]/g, "\\$&")}"`;
}

function byteaText(v: Uint8Array): string {
  return `\\x${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("hex")}`;
}

/**
 * Postgres' shortest-exact float output (extra_float_digits = 1, the default since 12):
 * `NaN`, `Infinity`, exponents of at least two digits (`1e-07`). FLOAT arrives widened to
 * a JS double, so its shortest float32 spelling is found first.
 */
export function floatText(v: number, single: boolean): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "Infinity";
  if (v === Number.NEGATIVE_INFINITY) return "-Infinity";
  let s = String(v);
  if (single) {
    for (let p = 1; p <= 9; p++) {
      const candidate = v.toPrecision(p);
      if (Math.fround(Number(candidate)) === v) {
        s = String(Number(candidate));
        break;
      }
    }
  }
  return s.replace(/e([+-])(\d)$/, "e$10$2");
}

function bcSuffix(date: string): string {
  return date.replace(/ \(BC\)$/, " BC");
}

/** Microseconds since the epoch (or "infinity") as `YYYY-MM-DD HH:MM:SS[.ffffff][+00]`. */
export function timestampText(v: unknown, utc: boolean): string {
  if (typeof v === "string") return v; // "infinity", "-infinity"
  const micros = v as bigint;
  const ms = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const rest = Number(micros - ms * 1000n);
  const iso = new Date(Number(ms)).toISOString(); // ±YYYYYY-MM-DDTHH:MM:SS.sssZ outside 0-9999
  const m = /^([+-]\d{6}|\d{4})-(\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{3})Z$/.exec(iso)!;
  let year = Number(m[1]);
  const bc = year <= 0;
  if (bc) year = 1 - year;
  const fraction = `${m[3]}${String(rest).padStart(3, "0")}`.replace(/0+$/, "");
  const time = m[2]!.replace("T", " ");
  return `${String(year).padStart(4, "0")}-${time}${fraction ? `.${fraction}` : ""}${utc ? "+00" : ""}${bc ? " BC" : ""}`;
}

/** Postgres' default IntervalStyle (`postgres`): `1 year 2 mons 3 days 04:05:06.789`. */
export function intervalText(v: { months: number; days: number; micros: bigint }): string {
  const parts: string[] = [];
  const years = Math.trunc(v.months / 12);
  const months = v.months % 12;
  const unit = (n: number, one: string, many: string) => `${n} ${Math.abs(n) === 1 ? one : many}`;
  if (years) parts.push(unit(years, "year", "years"));
  if (months) parts.push(unit(months, "mon", "mons"));
  if (v.days) parts.push(unit(v.days, "day", "days"));
  if (v.micros !== 0n || parts.length === 0) {
    const negative = v.micros < 0n;
    let us = negative ? -v.micros : v.micros;
    const hours = us / 3_600_000_000n;
    us %= 3_600_000_000n;
    const minutes = us / 60_000_000n;
    us %= 60_000_000n;
    const seconds = us / 1_000_000n;
    const fraction = String(us % 1_000_000n)
      .padStart(6, "0")
      .replace(/0+$/, "");
    const two = (n: bigint) => String(n).padStart(2, "0");
    parts.push(
      `${negative ? "-" : ""}${two(hours)}:${two(minutes)}:${two(seconds)}${fraction ? `.${fraction}` : ""}`,
    );
  }
  return parts.join(" ");
}

function scalarOrJson(v: unknown): string {
  return typeof v === "object" && v !== null && !(v instanceof Uint8Array)
    ? jsonText(v)
    : String(v);
}

/** STRUCT, MAP and lists of those as JSON text (bigints as numbers, bytes as `\x..`). */
export function jsonText(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : JSON.stringify(String(v));
  if (typeof v === "string" || typeof v === "boolean") return JSON.stringify(v);
  if (v instanceof Uint8Array) return JSON.stringify(byteaText(v));
  if (Array.isArray(v)) return `[${v.map(jsonText).join(",")}]`;
  if (v instanceof Map) {
    return `{${[...v].map(([k, x]) => `${JSON.stringify(String(k))}:${jsonText(x)}`).join(",")}}`;
  }
  if (typeof v === "object" && "months" in v && "micros" in v)
    return JSON.stringify(intervalText(v as never));
  return `{${Object.entries(v)
    .map(([k, x]) => `${JSON.stringify(k)}:${jsonText(x)}`)
    .join(",")}}`;
}
