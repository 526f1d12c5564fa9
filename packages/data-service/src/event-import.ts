import { randomBytes } from "node:crypto";
import { as, type CallerContext, ensureEventsTable } from "./caller-context.js";
import { invalidArgument } from "./errors.js";
import { type ImportFormat, resolveImportFormat } from "./formats.js";
import { analyticsDatabaseId, EVENTS_TABLE, validateObjectKey } from "./names.js";
import { EVENT_COLUMNS, insertFromStagingSql } from "./sql.js";

/**
 * Loads a stored CSV, JSON or Parquet file into the user's `user_events` table.
 * The file needs `event_type` and `date` columns; `duration`, `value` and `user_id`
 * are optional (a missing `user_id` is the user's own). The rows land in one
 * INSERT, so a file with a bad row adds nothing.
 */
export async function importUserData(
  ctx: CallerContext,
  userId: string,
  fileName: string,
  options: { format?: string } = {},
): Promise<{ table: string; rowsImported: number; format: ImportFormat }> {
  const key = validateObjectKey(fileName);
  const format = resolveImportFormat(key, options.format);
  const caller = as(ctx, userId);
  const db = analyticsDatabaseId(userId);
  await ensureEventsTable(ctx, caller.duckdb, db);
  // The file goes into its own table first (DuckDB infers its columns), then into
  // user_events by column name with explicit casts: column order in the file and
  // extra columns do not matter, and bad values fail before anything is added.
  const staging = `import_${randomBytes(8).toString("hex")}`;
  const duckdb = caller.duckdb;
  try {
    await duckdb.importFromStorage(db, staging, ctx.bucket, key, { format, createTable: true });
    const schema = await duckdb.getTableSchema(db, staging);
    const present = new Set(schema.columns.map((column) => column.name.toLowerCase()));
    const missing = EVENT_COLUMNS.filter((c) => c.required && !present.has(c.name));
    if (missing.length > 0) {
      throw invalidArgument(
        `"${key}" has no ${missing.map((c) => c.name).join(" or ")} column; ${EVENTS_TABLE} needs ${EVENT_COLUMNS.filter(
          (c) => c.required,
        )
          .map((c) => c.name)
          .join(" and ")}, and may have ${EVENT_COLUMNS.filter((c) => !c.required)
          .map((c) => c.name)
          .join(", ")}`,
      );
    }
    const { affectedRows } = await duckdb.execute(db, insertFromStagingSql(staging, present), {
      owner: userId,
    });
    return { table: EVENTS_TABLE, rowsImported: affectedRows, format };
  } finally {
    await duckdb.dropTable(db, staging, { ifExists: true }).catch(() => {});
  }
}
