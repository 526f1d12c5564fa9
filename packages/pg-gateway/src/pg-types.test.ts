import { describe, expect, it } from "vitest";
import { floatText, intervalText, pgTypeOf, timestampText } from "./pg-types.js";

describe("text forms", () => {
  it("writes floats as Postgres does", () => {
    expect(floatText(Math.fround(0.1), true)).toBe("0.1");
    expect(floatText(1e21, false)).toBe("1e+21");
    expect(floatText(1e-7, false)).toBe("1e-07");
    expect(floatText(Number.NaN, false)).toBe("NaN");
  });

  it("writes timestamps to the microsecond, BC years and infinities included", () => {
    expect(timestampText(1_704_164_645_123_456n, false)).toBe("2024-01-02 03:04:05.123456");
    expect(timestampText(-1n, true)).toBe("1969-12-31 23:59:59.999999+00");
    expect(timestampText(-62_167_219_200_000_000n, false)).toBe("0001-01-01 00:00:00 BC");
    expect(timestampText("infinity", false)).toBe("infinity");
  });

  it("writes intervals in the postgres style", () => {
    expect(intervalText({ months: 14, days: 3, micros: 14_706_789_000n })).toBe(
      "1 year 2 mons 3 days 04:05:06.789",
    );
    expect(intervalText({ months: 0, days: 0, micros: -1_000_000n })).toBe("-00:00:01");
    expect(intervalText({ months: 0, days: 0, micros: 0n })).toBe("00:00:00");
  });

  it("maps nested types to arrays or json", () => {
    expect(pgTypeOf("INTEGER[][]").oid).toBe(1007);
    expect(pgTypeOf("INTEGER[][]").text([[1, null], [2]])).toBe("{{1,NULL},{2}}");
    expect(pgTypeOf("STRUCT(a INTEGER)[]").oid).toBe(114);
    expect(pgTypeOf("SOMETHING_NEW").oid).toBe(25);
  });
});
