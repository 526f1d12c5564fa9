import {
  as,
  type BoundCaller,
  type CallerContext,
  ensureBucket,
  put,
  queryEvents,
} from "./caller-context.js";
import { parseDateRange } from "./dates.js";
import { invalidArgument } from "./errors.js";
import { toJsonRow } from "./json-values.js";
import { analyticsDatabaseId, REPORTS_PREFIX, validateObjectKey } from "./names.js";
import { reportKey } from "./report-registry.js";
import { resultKey } from "./result-cache.js";
import type { BehaviorAnalysis, ReportDocument } from "./service-types.js";
import { ANALYZE_BEHAVIOR_SQL } from "./sql.js";

/**
 * The guide's analysis: per event type, how many events and their average duration
 * between two dates (inclusive, YYYY-MM-DD), most frequent first.
 */
export async function analyzeUserBehavior(
  ctx: CallerContext,
  userId: string,
  startDate: string,
  endDate: string,
): Promise<BehaviorAnalysis> {
  const { start, end } = parseDateRange(startDate, endDate);
  const caller = as(ctx, userId);
  const db = analyticsDatabaseId(caller.userId);
  const analyze = async (): Promise<BehaviorAnalysis> => {
    const rows = await queryEvents(ctx, caller, ANALYZE_BEHAVIOR_SQL, { start, end });
    return {
      user_id: userId,
      period: `${start} to ${end}`,
      start_date: start,
      end_date: end,
      events: rows.map((row) => ({
        event_type: String(row.event_type),
        count: Number(row.count),
        avg_duration: row.avg_duration === null ? null : Number(row.avg_duration),
      })),
    };
  };
  const { results, versionReads } = ctx.shared;
  if (!results || !versionReads) return analyze();
  // Read before the query (a write finishing after this moves the version past it), by a
  // call sent after this request arrived: ChangeVersionReads shares only such calls.
  const version = await versionReads.read(`${caller.token}\n${db}`, () =>
    changeVersion(caller, db),
  );
  return results.getOrRun(
    resultKey(caller.userId, db, "analyzeUserBehavior", start, end),
    version,
    analyze,
  );
}

/**
 * The database's change version, or undefined (nothing is cached) when there is none:
 * a service that does not track changes, or no database yet, whose error the query
 * itself then reports.
 */
async function changeVersion(caller: BoundCaller, db: string): Promise<string | undefined> {
  try {
    return await caller.duckdb.changeVersion(db);
  } catch {
    return undefined;
  }
}

/**
 * Runs a registered report over the user's events, stores it as JSON in the
 * user's bucket under `reports/` and returns its key.
 */
export async function generateReport(
  ctx: CallerContext,
  userId: string,
  reportType: string,
  parameters: Record<string, unknown> = {},
): Promise<string> {
  const type = ctx.reports.get(reportType);
  const params = type.parse(parameters);
  const key = reportKey(type, type.keySuffix(params));
  const { sql, params: bound } = type.query(params);
  const caller = as(ctx, userId);
  const rows = (await queryEvents(ctx, caller, sql, bound)).map(toJsonRow);
  const report: ReportDocument = {
    report_type: type.name,
    generated_at: new Date().toISOString(),
    user_id: userId,
    parameters: params,
    data: type.format ? type.format(rows, params) : rows,
  };
  await ensureBucket(ctx, caller);
  await put(ctx, caller, key, JSON.stringify(report), { contentType: "application/json" });
  return key;
}

/** A stored report, by its key (`reports/...`) or its name under `reports/`. */
export async function getReport(
  ctx: CallerContext,
  userId: string,
  keyOrName: string,
): Promise<ReportDocument> {
  const key = validateObjectKey(
    keyOrName.startsWith(REPORTS_PREFIX) ? keyOrName : `${REPORTS_PREFIX}${keyOrName}`,
    "report key",
  );
  const caller = as(ctx, userId);
  const bytes = await caller.minio.getObject(ctx.bucket, key);
  try {
    return JSON.parse(bytes.toString("utf8")) as ReportDocument;
  } catch {
    throw invalidArgument(`"${key}" is not a report (it is not JSON)`);
  }
}
