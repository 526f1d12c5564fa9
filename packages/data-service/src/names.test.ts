import { InvalidArgumentError } from "@isa-cloud/rpc/wire";
import { describe, expect, it } from "vitest";
import { analyticsDatabaseId, validateObjectKey } from "./names.js";

describe("validateObjectKey", () => {
  it("accepts file names with folders", () => {
    expect(validateObjectKey("events.csv")).toBe("events.csv");
    expect(validateObjectKey("2024/01/events.parquet")).toBe("2024/01/events.parquet");
    expect(validateObjectKey("reports/daily_summary_2024-01-15.json")).toContain("reports/");
  });

  it.each([
    "",
    "/abs.csv",
    "dir/",
    "a//b",
    "../other",
    "a/../b",
    "./a",
    "tab\there",
    "back\\slash",
    "x".repeat(1025),
  ])("refuses %j", (key) => {
    expect(() => validateObjectKey(key)).toThrow(InvalidArgumentError);
  });

  it("refuses non-strings", () => {
    expect(() => validateObjectKey(42)).toThrow("file_name must be a non-empty string");
  });
});

describe("analyticsDatabaseId", () => {
  it("is the guide's user-{id}-analytics", () => {
    expect(analyticsDatabaseId("u1")).toBe("user-u1-analytics");
  });

  it("hashes ids a database name cannot hold, keeping different ids apart", () => {
    const a = analyticsDatabaseId("alice@example.com");
    const b = analyticsDatabaseId("alice@example.org");
    expect(a).toMatch(/^user-h[0-9a-f]{40}-analytics$/);
    expect(a).not.toBe(b);
    expect(analyticsDatabaseId("x".repeat(200))).toMatch(/^user-h[0-9a-f]{40}-analytics$/);
  });
});
