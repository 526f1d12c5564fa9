/**
 * Exact text for the values duckdb-client decodes (with `timestamps: "micros"`):
 * every digit DuckDB has, and SQL NULL told apart from the string 'NULL'.
 */

export interface ColumnType {
  name: string;
  /** DuckDB's type name, e.g. "TIMESTAMP", "DECIMAL(18,3)"; "" when unknown. */
  type: string;
}

/** How the table and line modes show SQL NULL; a string that reads the same is quoted. */
export const NULL_TEXT = "NULL";

/** A value as text for people (table, line, markdown modes). */
export function displayValue(value: unknown, type = ""): string {
  if (value === null || value === undefined) return NULL_TEXT;
  if (typeof value === "string") return value === NULL_TEXT ? `'${NULL_TEXT}'` : value;
  return plainText(value, type);
}

/** A value as text for machines (CSV): null handled by the caller, strings as they are. */
export function plainText(value: unknown, type = ""): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "bigint") {
    return /^TIMESTAMP/i.test(type)
      ? microsToText(value, /TZ|TIME ZONE/i.test(type))
      : String(value);
  }
  if (typeof value === "number") return numberText(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return blobText(value);
  if (isInterval(value)) return intervalText(value);
  return jsonText(toJson(value, ""));
}

/**
 * Shortest text that reads back as the same double (0.00012, not 0.000); JavaScript's
 * exponent form only for very large or small magnitudes, as DuckDB prints them.
 */
export function numberText(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (value === Number.POSITIVE_INFINITY) return "inf";
  if (value === Number.NEGATIVE_INFINITY) return "-inf";
  return String(value);
}

/** Microseconds since the epoch as `YYYY-MM-DD HH:MM:SS[.ffffff]`, DuckDB's own form. */
export function microsToText(micros: bigint, withZone: boolean): string {
  const second = 1_000_000n;
  let seconds = micros / second;
  let fraction = micros % second;
  if (fraction < 0n) {
    fraction += second;
    seconds -= 1n;
  }
  const iso = new Date(Number(seconds) * 1000).toISOString(); // exact: whole seconds
  const base = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  const frac = fraction === 0n ? "" : `.${String(fraction).padStart(6, "0").replace(/0+$/, "")}`;
  return `${base}${frac}${withZone ? "+00" : ""}`;
}

function blobText(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) {
    text +=
      byte >= 0x20 && byte < 0x7f && byte !== 0x5c
        ? String.fromCharCode(byte)
        : `\\x${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return text;
}

interface Interval {
  months: number;
  days: number;
  micros: bigint;
}

function isInterval(value: unknown): value is Interval {
  return (
    typeof value === "object" &&
    value !== null &&
    "months" in value &&
    "days" in value &&
    typeof (value as Interval).micros === "bigint"
  );
}

function intervalText({ months, days, micros }: Interval): string {
  const parts: string[] = [];
  const years = Math.trunc(months / 12);
  const restMonths = months % 12;
  if (years) parts.push(`${years} year${Math.abs(years) === 1 ? "" : "s"}`);
  if (restMonths) parts.push(`${restMonths} month${Math.abs(restMonths) === 1 ? "" : "s"}`);
  if (days) parts.push(`${days} day${Math.abs(days) === 1 ? "" : "s"}`);
  if (micros !== 0n || parts.length === 0) {
    const sign = micros < 0n ? "-" : "";
    const abs = micros < 0n ? -micros : micros;
    const s = abs / 1_000_000n;
    const frac = abs % 1_000_000n;
    const hh = String(s / 3600n).padStart(2, "0");
    const mm = String((s / 60n) % 60n).padStart(2, "0");
    const ss = String(s % 60n).padStart(2, "0");
    parts.push(
      `${sign}${hh}:${mm}:${ss}${frac ? `.${String(frac).padStart(6, "0").replace(/0+$/, "")}` : ""}`,
    );
  }
  return parts.join(" ");
}

/**
 * A JSON-ready value: bigints stay exact (see jsonText), timestamps become DuckDB's
 * text, blobs their escaped text, maps objects.
 */
export function toJson(value: unknown, type: string): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint") return /^TIMESTAMP/i.test(type) ? plainText(value, type) : value;
  if (typeof value === "number") return Number.isFinite(value) ? value : numberText(value);
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (value instanceof Date || value instanceof Uint8Array || isInterval(value)) {
    return plainText(value, type);
  }
  if (Array.isArray(value)) return value.map((item) => toJson(item, ""));
  if (value instanceof Map) {
    return Object.fromEntries([...value].map(([k, v]) => [String(k), toJson(v, "")]));
  }
  if (typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v, "")]));
  }
  return String(value);
}

/** JSON text in which bigints are written as their digits: exact, and still a JSON number. */
export function jsonText(value: unknown): string {
  const marks: string[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== "bigint") return v;
    marks.push(String(v));
    return `\u0000big${marks.length - 1}\u0000`;
  });
  if (marks.length === 0) return text;
  return text.replace(/"\\u0000big(\d+)\\u0000"/g, (_m, i: string) => marks[Number(i)]!);
}
