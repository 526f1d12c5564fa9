import { invalidArgument } from "./errors.js";

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Checks that `value` is a real calendar date written as YYYY-MM-DD and returns
 * it unchanged. The guide pasted whatever it got between quotes into SQL; here a
 * date is a date (2024-02-30 and "2024-1-5" are refused) before it is ever bound.
 */
export function parseIsoDate(value: unknown, field: string): string {
  if (typeof value !== "string") {
    throw invalidArgument(`${field} must be a date written as YYYY-MM-DD`);
  }
  const match = ISO_DATE.exec(value);
  if (!match) {
    throw invalidArgument(`${field} must be a date written as YYYY-MM-DD, got "${value}"`);
  }
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (
    year < 1 ||
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day
  ) {
    throw invalidArgument(`${field} is not a calendar date: "${value}"`);
  }
  return value;
}

/** Both ends of an inclusive date range, validated, start not after end. */
export function parseDateRange(
  start: unknown,
  end: unknown,
  fields: { start: string; end: string } = { start: "start_date", end: "end_date" },
): { start: string; end: string } {
  const from = parseIsoDate(start, fields.start);
  const to = parseIsoDate(end, fields.end);
  // Same fixed-width format, so string order is date order.
  if (from > to) {
    throw invalidArgument(`${fields.start} (${from}) is after ${fields.end} (${to})`);
  }
  return { start: from, end: to };
}
