import { InvalidArgumentError } from "@isa-cloud/rpc/wire";
import { describe, expect, it } from "vitest";
import { parseDateRange, parseIsoDate } from "./dates.js";

describe("parseIsoDate", () => {
  it("accepts calendar dates written as YYYY-MM-DD", () => {
    expect(parseIsoDate("2024-02-29", "date")).toBe("2024-02-29");
    expect(parseIsoDate("1999-12-31", "date")).toBe("1999-12-31");
  });

  it.each([
    "2023-02-29",
    "2024-13-01",
    "2024-00-10",
    "2024-04-31",
    "2024-1-5",
    "20240105",
    "2024-01-05T00:00:00Z",
    "'; DROP TABLE user_events; --",
    "",
  ])("refuses %j with InvalidArgumentError naming the field", (value) => {
    const parse = () => parseIsoDate(value, "start_date");
    expect(parse).toThrow(InvalidArgumentError);
    expect(parse).toThrow(/start_date/);
  });

  it("refuses values that are not strings", () => {
    expect(() => parseIsoDate(20240105, "date")).toThrow(
      "date must be a date written as YYYY-MM-DD",
    );
    expect(() => parseIsoDate(undefined, "date")).toThrow(InvalidArgumentError);
  });
});

describe("parseDateRange", () => {
  it("accepts a range whose ends are equal or in order", () => {
    expect(parseDateRange("2024-01-01", "2024-01-01")).toEqual({
      start: "2024-01-01",
      end: "2024-01-01",
    });
    expect(parseDateRange("2023-12-31", "2024-01-01").end).toBe("2024-01-01");
  });

  it("refuses a range that ends before it starts", () => {
    expect(() => parseDateRange("2024-02-01", "2024-01-01")).toThrow(
      "start_date (2024-02-01) is after end_date (2024-01-01)",
    );
  });
});
