import type { Command } from "commander";
import type { ClientFlags, CliIo } from "../context.js";
import { UsageError } from "../context.js";
import { renderTable } from "../table.js";
import { clientOf, withClientOptions } from "./transfer.js";

/** `--param name=value`: numbers and true/false become JSON values, the rest stays text. */
export function parseParam(
  text: string,
  previous: Record<string, unknown> = {},
): Record<string, unknown> {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new UsageError(`--param takes name=value, got "${text}"`);
  const name = text.slice(0, eq);
  const raw = text.slice(eq + 1);
  let value: unknown = raw;
  if (/^-?\d+(\.\d+)?$/.test(raw)) value = Number(raw);
  else if (raw === "true" || raw === "false") value = raw === "true";
  return { ...previous, [name]: value };
}

export function registerQuery(program: Command, io: CliIo): void {
  withClientOptions(
    program
      .command("query")
      .description("run a read-only SQL query on your analytics database and print a table")
      .argument("<sql>", "one SELECT (WITH, VALUES, SHOW, DESCRIBE) statement")
      .option("-p, --param <name=value>", "bind $name (repeatable)", parseParam, {})
      .option("-n, --max-rows <n>", "most rows to fetch", (v) => Number.parseInt(v, 10))
      .option("--json", "print the rows as JSON instead of a table")
      .addHelpText(
        "after",
        `\nExample:\n  isa query "SELECT event_type, count(*) AS n FROM user_events WHERE date >= \\$since GROUP BY 1" -p since=2024-01-01`,
      ),
  ).action(
    async (
      sql: string,
      flags: ClientFlags & { param: Record<string, unknown>; maxRows?: number; json?: boolean },
    ) => {
      if (flags.maxRows !== undefined && !(flags.maxRows > 0)) {
        throw new UsageError("--max-rows must be a positive whole number");
      }
      const client = await clientOf(io, flags);
      const result = await client.query(sql, flags.param, flags.maxRows);
      if (flags.json) {
        io.stdout.write(`${JSON.stringify(result.rows, null, 2)}\n`);
        return;
      }
      io.stdout.write(`${renderTable(result.columns, result.rows)}\n`);
      io.stdout.write(
        `${result.row_count} row${result.row_count === 1 ? "" : "s"}${result.truncated ? " (more not shown; use --max-rows)" : ""}, ${result.execution_time_ms.toFixed(1)} ms\n`,
      );
    },
  );
}
