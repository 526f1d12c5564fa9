/** How a cell is shown: the text, and whether it lines up as a number. */
export interface Cell {
  text: string;
  numeric: boolean;
  isNull: boolean;
}

/**
 * Exact integer or decimal text, as the API sends BIGINT, HUGEINT and DECIMAL values
 * (JSON numbers would lose digits past 2^53). Such text is shown as it came, never parsed.
 */
const EXACT_NUMBER = /^-?\d+(\.\d+)?$/;

/**
 * The text of a result value, exactly as the API sent it: strings (64-bit integers,
 * decimals, timestamps in ISO-8601) are never converted, numbers keep JavaScript's
 * shortest round-trip form, nested values show as JSON.
 */
export function renderValue(value: unknown): Cell {
  if (value === null || value === undefined) return { text: "NULL", numeric: false, isNull: true };
  if (typeof value === "number") return { text: String(value), numeric: true, isNull: false };
  if (typeof value === "bigint") return { text: value.toString(), numeric: true, isNull: false };
  if (typeof value === "string") {
    return { text: value, numeric: EXACT_NUMBER.test(value), isNull: false };
  }
  if (typeof value === "boolean") return { text: String(value), numeric: false, isNull: false };
  if (value instanceof Date) return { text: value.toISOString(), numeric: false, isNull: false };
  return { text: JSON.stringify(value), numeric: false, isNull: false };
}

const UNITS = ["B", "KB", "MB", "GB", "TB"];

/** 1536 -> "1.5 KB": sizes in the file list, 1,000-based as in most file browsers. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}
