/** Why an int64 could not be taken as a number. */
export type UnsafeNumberReason = "negative" | "too large" | "too small";

export interface ToSafeNumberOptions {
  /** Refuse values below zero too (reason `"negative"`). Default `false`. */
  nonNegative?: boolean;
  /**
   * Builds the error thrown, so a server can answer with its status and a client with
   * its error class. Default: a `RangeError` naming the field and the value.
   */
  error?: (reason: UnsafeNumberReason) => Error;
}

const MAX = BigInt(Number.MAX_SAFE_INTEGER);
const MIN = BigInt(Number.MIN_SAFE_INTEGER);

/**
 * An int64 field (a bigint under ts-proto's `forceLong=bigint`) as a plain number, which
 * is what callers do arithmetic with. A value past 2^53 would silently lose its low
 * digits, so it throws instead.
 */
export function toSafeNumber(
  value: bigint,
  field: string,
  options: ToSafeNumberOptions = {},
): number {
  const reason: UnsafeNumberReason | undefined =
    options.nonNegative && value < 0n
      ? "negative"
      : value > MAX
        ? "too large"
        : value < MIN
          ? "too small"
          : undefined;
  if (reason === undefined) return Number(value);
  if (options.error) throw options.error(reason);
  throw new RangeError(
    reason === "negative"
      ? `${field} is ${value}; it cannot be negative`
      : `${field} is ${value}, beyond the exact range of a JavaScript number`,
  );
}
