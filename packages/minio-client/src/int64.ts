import { invalidArgument } from "./errors.js";

/**
 * int64 fields arrive as bigint (ts-proto's `forceLong=bigint`). Sizes and counts
 * are handed out as plain numbers because that is what callers do arithmetic
 * with; a value past 2^53 would silently lose bytes, so it throws instead.
 */
export function toSafeNumber(value: bigint, field: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`${field} is ${value}, beyond the exact range of a JavaScript number`);
  }
  return Number(value);
}

/** The reverse, for request fields: a fraction or a negative is refused before it is sent. */
export function toInt64(method: string, field: string, value: number): bigint {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw invalidArgument(method, `${field} must be a non-negative integer, got ${value}`);
  }
  return BigInt(value);
}
