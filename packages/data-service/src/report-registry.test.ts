import { InvalidArgumentError, NotFoundError } from "@isa-cloud/rpc/wire";
import { describe, expect, it } from "vitest";
import { parseIsoDate } from "./dates.js";
import { ReportRegistry, type ReportType, reportKey } from "./report-registry.js";
import { dailySummaryReport, defaultReportTypes, userActivityReport } from "./report-types.js";

const weekly: ReportType<{ week_start: string }> = {
  name: "weekly_values",
  description: "Sum of values in the week starting on a date",
  parametersSchema: { type: "object" },
  parse: (params) => ({ week_start: parseIsoDate(params.week_start, "week_start") }),
  query: ({ week_start }) => ({
    sql: "SELECT sum(value) AS total FROM user_events WHERE date >= CAST($from AS DATE) AND date < CAST($from AS DATE) + 7",
    params: { from: week_start },
  }),
  keySuffix: ({ week_start }) => week_start,
};

describe("ReportRegistry", () => {
  it("starts with the guide's two report types", () => {
    const registry = new ReportRegistry(defaultReportTypes());
    expect(registry.list().map((type) => type.name)).toEqual(["daily_summary", "user_activity"]);
  });

  it("adds a report type and finds it by name", () => {
    const registry = new ReportRegistry(defaultReportTypes()).register(weekly);
    const type = registry.get("weekly_values");
    const params = type.parse({ week_start: "2024-03-04" });
    expect(type.query(params)).toEqual({
      sql: expect.stringContaining("$from"),
      params: { from: "2024-03-04" },
    });
  });

  it("refuses a second type with the same name and badly formed names", () => {
    const registry = new ReportRegistry(defaultReportTypes());
    expect(() => registry.register(dailySummaryReport)).toThrow(/already registered/);
    expect(() => registry.register({ ...weekly, name: "Weekly Values" })).toThrow(/lower-case/);
  });

  it("answers an unknown type with NotFoundError listing the known ones", () => {
    const registry = new ReportRegistry(defaultReportTypes());
    expect(() => registry.get("monthly")).toThrow(NotFoundError);
    expect(() => registry.get("monthly")).toThrow(/daily_summary, user_activity/);
  });
});

describe("built-in report types", () => {
  it("bind daily_summary's date as a parameter, never as text", () => {
    const params = dailySummaryReport.parse({ date: "2024-01-15" });
    const { sql, params: bound } = dailySummaryReport.query(params);
    expect(sql).toContain("$date");
    expect(sql).not.toContain("2024-01-15");
    expect(sql).toContain("FROM user_events");
    expect(bound).toEqual({ date: "2024-01-15" });
  });

  it("bind user_activity's range as parameters", () => {
    const params = userActivityReport.parse({ start_date: "2024-01-01", end_date: "2024-01-31" });
    const { sql, params: bound } = userActivityReport.query(params);
    expect(sql).toMatch(/BETWEEN CAST\(\$start AS DATE\) AND CAST\(\$end AS DATE\)/);
    expect(bound).toEqual({ start: "2024-01-01", end: "2024-01-31" });
  });

  it("refuse missing, malformed and unknown parameters", () => {
    expect(() => dailySummaryReport.parse({})).toThrow(InvalidArgumentError);
    expect(() => dailySummaryReport.parse({ date: "2024-02-30" })).toThrow(/date/);
    expect(() => dailySummaryReport.parse({ date: "2024-02-01", dat: "x" })).toThrow(
      'unknown parameter "dat"; expected date',
    );
    expect(() =>
      userActivityReport.parse({ start_date: "2024-02-01", end_date: "2024-01-01" }),
    ).toThrow(/after/);
  });

  it("name reports by type and parameters under reports/", () => {
    expect(
      reportKey(dailySummaryReport, dailySummaryReport.keySuffix({ date: "2024-01-15" })),
    ).toBe("reports/daily_summary_2024-01-15.json");
    expect(
      reportKey(
        userActivityReport,
        userActivityReport.keySuffix({ start_date: "2024-01-01", end_date: "2024-01-31" }),
      ),
    ).toBe("reports/user_activity_2024-01-01_2024-01-31.json");
    expect(() => reportKey(weekly, "../escape")).toThrow(InvalidArgumentError);
  });
});
