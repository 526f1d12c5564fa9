import { invalidArgument } from "./errors.js";

/**
 * An int64 request field from a number (responses go the other way, through
 * `toSafeNumber` of @isa-cloud/rpc): a fraction or a negative is refused before it is sent.
 */
export function toInt64(method: string, field: string, value: number): bigint {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw invalidArgument(method, `${field} must be a non-negative integer, got ${value}`);
  }
  return BigInt(value);
}
