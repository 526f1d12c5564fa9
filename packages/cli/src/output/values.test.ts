import { describe, expect, it } from "vitest";
import { displayValue, jsonText, microsToText, numberText, plainText, toJson } from "./values.js";

describe("values", () => {
  it("print doubles with every digit they have, small ones included", () => {
    expect(numberText(0.00012)).toBe("0.00012");
    expect(numberText(1.5)).toBe("1.5");
    expect(numberText(Number.NaN)).toBe("nan");
    expect(numberText(Number.NEGATIVE_INFINITY)).toBe("-inf");
  });

  it("tell SQL NULL from the string 'NULL'", () => {
    expect(displayValue(null)).toBe("NULL");
    expect(displayValue("NULL")).toBe("'NULL'");
    expect(displayValue("null")).toBe("null");
  });

  it("print big integers and decimals exactly", () => {
    expect(plainText(12345678901234567890n, "HUGEINT")).toBe("12345678901234567890");
    expect(displayValue("1.50", "DECIMAL(10,2)")).toBe("1.50");
  });

  it("print timestamps to the microsecond, before 1970 too", () => {
    expect(microsToText(1_704_110_400_123_456n, false)).toBe("2024-01-01 12:00:00.123456");
    expect(microsToText(1_704_110_400_000_000n, true)).toBe("2024-01-01 12:00:00+00");
    expect(microsToText(-1n, false)).toBe("1969-12-31 23:59:59.999999");
    expect(plainText(1_704_110_400_100_000n, "TIMESTAMP")).toBe("2024-01-01 12:00:00.1");
  });

  it("write bigints into JSON as exact numbers", () => {
    const text = jsonText({ big: 12345678901234567890n, ts: toJson(0n, "TIMESTAMP"), list: [1n] });
    expect(text).toBe('{"big":12345678901234567890,"ts":"1970-01-01 00:00:00","list":[1]}');
  });

  it("render blobs, intervals, lists and maps", () => {
    expect(plainText(new Uint8Array([0x61, 0x00, 0xff]))).toBe("a\\x00\\xFF");
    expect(plainText({ months: 14, days: 3, micros: 3_723_500_000n })).toBe(
      "1 year 2 months 3 days 01:02:03.5",
    );
    expect(plainText([1, "a", null])).toBe('[1,"a",null]');
    expect(plainText(new Map([["k", 1n]]))).toBe('{"k":1}');
  });
});
