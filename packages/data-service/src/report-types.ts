import { parseDateRange, parseIsoDate } from "./dates.js";
import { type ReportType, rejectUnknownParameters } from "./report-registry.js";
import { DAILY_SUMMARY_SQL, USER_ACTIVITY_SQL } from "./sql.js";

const dateSchema = { type: "string", format: "date", examples: ["2024-01-15"] };

/** The guide's `daily_summary`: events and the sum of `value` on one day. */
export const dailySummaryReport: ReportType<{ date: string }> = {
  name: "daily_summary",
  description: "Number of events and the sum of their values on one day",
  parametersSchema: {
    type: "object",
    required: ["date"],
    additionalProperties: false,
    properties: { date: dateSchema },
  },
  parse(params) {
    rejectUnknownParameters(params, ["date"]);
    return { date: parseIsoDate(params.date, "date") };
  },
  query: ({ date }) => ({ sql: DAILY_SUMMARY_SQL, params: { date } }),
  keySuffix: ({ date }) => date,
};

/** The guide's `user_activity`: events per subject and type over a date range. */
export const userActivityReport: ReportType<{ start_date: string; end_date: string }> = {
  name: "user_activity",
  description: "Events per user and event type between two dates (inclusive)",
  parametersSchema: {
    type: "object",
    required: ["start_date", "end_date"],
    additionalProperties: false,
    properties: { start_date: dateSchema, end_date: dateSchema },
  },
  parse(params) {
    rejectUnknownParameters(params, ["start_date", "end_date"]);
    const { start, end } = parseDateRange(params.start_date, params.end_date);
    return { start_date: start, end_date: end };
  },
  query: ({ start_date, end_date }) => ({
    sql: USER_ACTIVITY_SQL,
    params: { start: start_date, end: end_date },
  }),
  keySuffix: ({ start_date, end_date }) => `${start_date}_${end_date}`,
};

/** The report types every DataService starts with. */
export function defaultReportTypes(): ReportType<unknown>[] {
  return [dailySummaryReport, userActivityReport];
}
