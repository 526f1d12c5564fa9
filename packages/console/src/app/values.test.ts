import { describe, expect, it } from "vitest";
import { formatBytes, renderValue } from "./values.js";

describe("renderValue", () => {
  it("shows 64-bit integers and decimals sent as text digit for digit, lined up as numbers", () => {
    expect(renderValue("9223372036854775807")).toEqual({
      text: "9223372036854775807",
      numeric: true,
      isNull: false,
    });
    expect(renderValue("-170141183460469231731687303715884105728").text).toBe(
      "-170141183460469231731687303715884105728",
    );
    expect(renderValue("12345678901234567890.123456789").text).toBe(
      "12345678901234567890.123456789",
    );
  });

  it("keeps timestamps as the API wrote them, without a time zone shift", () => {
    expect(renderValue("2024-01-15T10:00:00.123456Z").text).toBe("2024-01-15T10:00:00.123456Z");
    expect(renderValue("2024-01-15T10:00:00.123456Z").numeric).toBe(false);
    expect(renderValue(new Date(Date.UTC(2024, 0, 15, 10))).text).toBe("2024-01-15T10:00:00.000Z");
  });

  it("marks NULL apart from the text NULL", () => {
    expect(renderValue(null)).toEqual({ text: "NULL", numeric: false, isNull: true });
    expect(renderValue("NULL").isNull).toBe(false);
  });

  it("prints numbers, booleans, bigints and nested values", () => {
    expect(renderValue(0.1).text).toBe("0.1");
    expect(renderValue(2n ** 70n).text).toBe("1180591620717411303424");
    expect(renderValue(false).text).toBe("false");
    expect(renderValue({ a: [1, "2"] }).text).toBe('{"a":[1,"2"]}');
  });
});

describe("formatBytes", () => {
  it("uses 1,000-based units with one decimal below ten", () => {
    expect(formatBytes(999)).toBe("999 B");
    expect(formatBytes(1500)).toBe("1.5 KB");
    expect(formatBytes(52_428_800)).toBe("52 MB");
  });
});
