import { EVENTS_TABLE } from "./names.js";

/**
 * The SQL of the guide's operations. Every value is a named parameter bound by
 * DuckDB ($start, $end, $date); nothing a caller sends is ever pasted into the
 * text. Dates are cast explicitly so the comparison is between DATEs, not text.
 */

/** The schema of `user_events`, the guide's columns; `user_id` is the event's subject. */
export const CREATE_EVENTS_TABLE_SQL = `CREATE TABLE IF NOT EXISTS ${EVENTS_TABLE} (
  user_id VARCHAR,
  event_type VARCHAR NOT NULL,
  date DATE NOT NULL,
  duration DOUBLE,
  value DOUBLE
)`;

/** Columns of `user_events` with their types; the first two must be in every imported file. */
export const EVENT_COLUMNS = [
  { name: "event_type", type: "VARCHAR", required: true },
  { name: "date", type: "DATE", required: true },
  { name: "duration", type: "DOUBLE", required: false },
  { name: "value", type: "DOUBLE", required: false },
  { name: "user_id", type: "VARCHAR", required: false },
] as const;

/** Counts and average duration per event type within [$start, $end] (inclusive). */
export const ANALYZE_BEHAVIOR_SQL = `SELECT
  event_type,
  count(*) AS count,
  avg(duration) AS avg_duration
FROM ${EVENTS_TABLE}
WHERE date BETWEEN CAST($start AS DATE) AND CAST($end AS DATE)
GROUP BY event_type
ORDER BY count DESC, event_type`;

/** The guide's daily_summary (which read a table `events` that nothing creates). */
export const DAILY_SUMMARY_SQL = `SELECT
  CAST(date AS VARCHAR) AS date,
  count(*) AS events,
  sum(value) AS total
FROM ${EVENTS_TABLE}
WHERE date = CAST($date AS DATE)
GROUP BY date`;

/** The guide's user_activity: events per subject and type within [$start, $end]. */
export const USER_ACTIVITY_SQL = `SELECT
  user_id,
  event_type,
  count(*) AS count
FROM ${EVENTS_TABLE}
WHERE date BETWEEN CAST($start AS DATE) AND CAST($end AS DATE)
GROUP BY user_id, event_type
ORDER BY user_id, count DESC, event_type`;

/**
 * Moves rows from a freshly imported staging table into `user_events`, casting each
 * column and filling the ones the file lacks. Only names from EVENT_COLUMNS and the
 * generated staging name reach the text; the owner id ($owner) is bound.
 */
export function insertFromStagingSql(staging: string, presentColumns: ReadonlySet<string>): string {
  const select = EVENT_COLUMNS.map((column) => {
    if (presentColumns.has(column.name)) {
      const cast = `CAST("${column.name}" AS ${column.type})`;
      // Events without a subject belong to the owner of the database.
      return column.name === "user_id"
        ? `coalesce(${cast}, CAST($owner AS VARCHAR)) AS user_id`
        : `${cast} AS ${column.name}`;
    }
    return column.name === "user_id"
      ? "CAST($owner AS VARCHAR) AS user_id"
      : `CAST(NULL AS ${column.type}) AS ${column.name}`;
  });
  return `INSERT INTO ${EVENTS_TABLE} BY NAME SELECT ${select.join(", ")} FROM "${staging}"`;
}
