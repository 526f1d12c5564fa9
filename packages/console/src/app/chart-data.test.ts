import { describe, expect, it } from "vitest";
import { chartData } from "./chart-data.js";

describe("chartData", () => {
  it("turns text categories into indexes with labels, in first-seen order for bars", () => {
    const data = chartData(["click", "view", "click"], ["3", 4, null], "bar");
    expect(data).toEqual({
      x: [0, 1, 0],
      y: [3, 4, null],
      xKind: "category",
      labels: ["click", "view"],
    });
  });

  it("reads ISO dates and timestamps as UTC times and sorts them for lines", () => {
    const data = chartData(
      ["2024-01-02", "2024-01-01", "2024-01-01 12:00:00"],
      [2, 1, 1.5],
      "line",
    );
    expect(data.xKind).toBe("time");
    expect(data.x).toEqual([1704067200, 1704110400, 1704153600]);
    expect(data.y).toEqual([1, 1.5, 2]);
  });

  it("reads exact integer text as numbers", () => {
    const data = chartData(["10", "9223372036854775807"], [1, 2], "scatter");
    expect(data.xKind).toBe("number");
    expect(data.x[0]).toBe(10);
  });
});
