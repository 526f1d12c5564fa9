import type { Command } from "commander";
import type { ClientFlags } from "../config/settings.js";
import { type CliIo, UsageError } from "../context.js";
import { openOutput } from "../output/target.js";
import { createSink, OUTPUT_FORMATS, type OutputFormat } from "../output/writers.js";
import { openSession } from "../session.js";
import { runQuery } from "../sql/run-query.js";
import { examples, withClientOptions } from "./client-options.js";

/** Rows a table shows unless --max-rows says otherwise: a table is for reading, not for a million rows. */
export const TABLE_MAX_ROWS = 1000;

/**
 * `--param name=value`: a number when the text is a number written the usual way (no
 * leading zeros, so `007` stays the text "007"), true/false booleans, null NULL; anything
 * else text. Integers beyond 2^53 bind exactly, as bigints.
 */
export function parseParam(
  text: string,
  previous: Record<string, unknown> = {},
): Record<string, unknown> {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new UsageError(`--param takes name=value, got "${text}"`);
  const name = text.slice(0, eq);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new UsageError(
      `--param name "${name}" must be letters, digits and "_" (bound as $${name})`,
    );
  }
  const raw = text.slice(eq + 1);
  let value: unknown = raw;
  if (/^-?(0|[1-9]\d*)$/.test(raw)) {
    const big = BigInt(raw);
    value =
      big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(raw)
        : big;
  } else if (/^-?(0|[1-9]\d*)\.\d+$/.test(raw)) value = Number(raw);
  else if (raw === "true" || raw === "false") value = raw === "true";
  else if (raw === "null") value = null;
  return { ...previous, [name]: value };
}

export function parseMaxRows(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`--max-rows must be a positive whole number, got "${text}"`);
  }
  return Number(text);
}

export function parseFormat(text: string): OutputFormat {
  if (!(OUTPUT_FORMATS as readonly string[]).includes(text)) {
    throw new UsageError(`--format takes one of ${OUTPUT_FORMATS.join(", ")}; got "${text}"`);
  }
  return text as OutputFormat;
}

export interface QueryFlags extends ClientFlags {
  param: Record<string, unknown>;
  maxRows?: number;
  format?: OutputFormat;
  json?: boolean;
  output?: string;
}

/** The format asked for, else a table on a terminal and CSV into a pipe or a file. */
export function formatOf(
  flags: { format?: OutputFormat; json?: boolean },
  toTerminal: boolean,
): OutputFormat {
  if (flags.json) return "json";
  return flags.format ?? (toTerminal ? "table" : "csv");
}

export function registerQuery(program: Command, io: CliIo): void {
  withClientOptions(
    program
      .command("query")
      .description("run one SQL statement on your analytics database and print its result")
      .argument("<sql>", "one statement; $name placeholders are bound from --param")
      .option(
        "-p, --param <name=value>",
        "bind $name (repeatable; 007 stays text, 7 is a number)",
        parseParam,
        {},
      )
      .option(
        "-n, --max-rows <n>",
        `most rows to return (a table shows ${TABLE_MAX_ROWS} unless told)`,
        parseMaxRows,
      )
      .option(
        "-f, --format <mode>",
        `${OUTPUT_FORMATS.join(", ")} (default: table on a terminal, else csv)`,
        parseFormat,
      )
      .option("--json", "same as --format json: {columns, rows, row_count, truncated}")
      .option("-o, --output <file>", "write to a file (complete or not at all) instead of stdout")
      .addHelpText(
        "after",
        examples(
          `isa query "SELECT event_type, count(*) AS n FROM user_events WHERE date >= \\$since GROUP BY 1" -p since=2024-01-01`,
          'isa query "SELECT * FROM big" --format csv > big.csv    # every row, streamed',
          `isa query "SELECT 42 AS answer" --json | jq .rows`,
        ),
      ),
  ).action(async (sql: string, flags: QueryFlags) => {
    if (sql.trim() === "")
      throw new UsageError('the SQL is empty: give one statement, e.g. isa query "SELECT 42"');
    const session = await openSession(io, flags);
    const target = await openOutput(io, flags.output);
    const toTerminal = target.path === undefined && Boolean(io.stdout.isTTY);
    const format = formatOf(flags, toTerminal);
    const maxRows = flags.maxRows ?? (format === "table" ? TABLE_MAX_ROWS : undefined);
    const width = toTerminal ? io.stdout.columns || 80 : undefined;
    const sink = createSink(format, target.stream, width === undefined ? {} : { width });
    try {
      const result = await runQuery(session, sql, flags.param, sink, {
        ...(maxRows === undefined ? {} : { maxRows }),
        ...(io.signal ? { signal: io.signal } : {}),
      });
      await target.commit();
      const more = result.truncated
        ? ` (cut at ${maxRows}: more rows exist; raise --max-rows${format === "table" ? ", or use --format csv -o FILE" : ""})`
        : "";
      const summary = `${result.rowCount} row${result.rowCount === 1 ? "" : "s"}${more}, ${result.ms.toFixed(1)} ms`;
      if (format === "table" && target.path === undefined) io.stdout.write(`${summary}\n`);
      else if (!flags.quiet && (result.truncated || target.path)) {
        io.stderr.write(`${target.path ? `wrote ${target.path}: ` : "isa: "}${summary}\n`);
      }
    } catch (err) {
      await target.discard();
      throw err;
    }
  });
}
