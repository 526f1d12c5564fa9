import { describe, expect, it } from "vitest";
import { toSafeNumber } from "./to-safe-number.js";

describe("toSafeNumber", () => {
  it("converts int64 values a number holds exactly", () => {
    expect(toSafeNumber(0n, "size")).toBe(0);
    expect(toSafeNumber(BigInt(Number.MAX_SAFE_INTEGER), "size")).toBe(Number.MAX_SAFE_INTEGER);
    expect(toSafeNumber(BigInt(Number.MIN_SAFE_INTEGER), "delta")).toBe(Number.MIN_SAFE_INTEGER);
    expect(toSafeNumber(-1n, "delta")).toBe(-1);
  });

  it("throws a RangeError naming the field and value for a value a number cannot hold exactly", () => {
    expect(() => toSafeNumber(2n ** 53n, "size")).toThrow(
      new RangeError("size is 9007199254740992, beyond the exact range of a JavaScript number"),
    );
    expect(() => toSafeNumber(-(2n ** 53n), "delta")).toThrow(RangeError);
  });

  it("refuses negatives only when asked to", () => {
    expect(() => toSafeNumber(-1n, "offset", { nonNegative: true })).toThrow(
      new RangeError("offset is -1; it cannot be negative"),
    );
    expect(toSafeNumber(0n, "offset", { nonNegative: true })).toBe(0);
  });

  it("throws the caller's error, told the reason", () => {
    class Refused extends Error {}
    const error = (reason: string) => new Refused(reason);
    expect(() => toSafeNumber(-1n, "offset", { nonNegative: true, error })).toThrow(
      new Refused("negative"),
    );
    expect(() => toSafeNumber(2n ** 53n, "offset", { error })).toThrow(new Refused("too large"));
    expect(() => toSafeNumber(-(2n ** 53n), "offset", { error })).toThrow(new Refused("too small"));
  });
});
