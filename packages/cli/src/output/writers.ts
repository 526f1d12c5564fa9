import Table from "cli-table3";
import { writeOut } from "../context.js";
import { type ColumnType, displayValue, jsonText, plainText, toJson } from "./values.js";

export const OUTPUT_FORMATS = ["table", "csv", "json", "jsonl", "markdown", "line"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Where a result goes, batch by batch: only `table` holds rows (to size its columns). */
export interface RowSink {
  start(columns: readonly ColumnType[]): Promise<void>;
  rows(rows: ReadonlyArray<Record<string, unknown>>): Promise<void>;
  /** `truncated`: more rows existed than `maxRows` let through. */
  end(summary: { rowCount: number; truncated: boolean; maxRows?: number }): Promise<void>;
}

export interface SinkOptions {
  /** Terminal width for `table`; undefined: no limit. */
  width?: number;
}

export function createSink(
  format: OutputFormat,
  out: NodeJS.WritableStream,
  options: SinkOptions = {},
): RowSink {
  switch (format) {
    case "table":
      return tableSink(out, options.width);
    case "csv":
      return textSink(out, {
        header: (cols) => `${cols.map((c) => csvField(c.name)).join(",")}\r\n`,
        row: (cols, row) =>
          `${cols.map((c) => (row[c.name] == null ? "" : csvField(plainText(row[c.name], c.type), true))).join(",")}\r\n`,
      });
    case "jsonl":
      return textSink(out, { row: (cols, row) => `${jsonText(jsonRow(cols, row))}\n` });
    case "markdown":
      return textSink(out, {
        header: (cols) =>
          `| ${cols.map((c) => mdCell(c.name)).join(" | ")} |\n|${cols.map(() => " --- |").join("")}\n`,
        row: (cols, row) =>
          `| ${cols.map((c) => mdCell(displayValue(row[c.name], c.type))).join(" | ")} |\n`,
      });
    case "line":
      return lineSink(out);
    case "json":
      return jsonSink(out);
  }
}

function jsonRow(cols: readonly ColumnType[], row: Record<string, unknown>) {
  const result: Record<string, unknown> = {};
  for (const c of cols) result[c.name] = toJson(row[c.name], c.type);
  return result;
}

/**
 * RFC 4180: quote a field holding a comma, quote, CR or LF. `forceEmpty` quotes the
 * empty string so that it differs from NULL (an empty field), as DuckDB's COPY does.
 */
export function csvField(text: string, forceEmpty = false): string {
  if (text === "") return forceEmpty ? '""' : "";
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function mdCell(text: string): string {
  return text.replaceAll("|", "\\|").replace(/\r?\n/g, "<br>");
}

function textSink(
  out: NodeJS.WritableStream,
  shape: {
    header?: (cols: readonly ColumnType[]) => string;
    row: (cols: readonly ColumnType[], row: Record<string, unknown>) => string;
  },
): RowSink {
  let cols: readonly ColumnType[] = [];
  return {
    async start(columns) {
      cols = columns;
      if (shape.header) await writeOut(out, shape.header(cols));
    },
    async rows(rows) {
      let text = "";
      for (const row of rows) text += shape.row(cols, row);
      if (text) await writeOut(out, text);
    },
    async end() {},
  };
}

/** `.mode line`: one `column = value` line per value, a blank line between rows. */
function lineSink(out: NodeJS.WritableStream): RowSink {
  let cols: readonly ColumnType[] = [];
  let pad = 0;
  let first = true;
  return {
    async start(columns) {
      cols = columns;
      pad = Math.max(0, ...cols.map((c) => c.name.length));
    },
    async rows(rows) {
      let text = "";
      for (const row of rows) {
        if (!first) text += "\n";
        first = false;
        for (const c of cols)
          text += `${c.name.padStart(pad)} = ${displayValue(row[c.name], c.type)}\n`;
      }
      if (text) await writeOut(out, text);
    },
    async end() {},
  };
}

/**
 * One JSON document: `{"columns": [...], "rows": [...], "row_count": n, "truncated": b}`,
 * written as the rows come (never held whole), so a cut result says it was cut.
 */
function jsonSink(out: NodeJS.WritableStream): RowSink {
  let cols: readonly ColumnType[] = [];
  let first = true;
  return {
    async start(columns) {
      cols = columns;
      await writeOut(
        out,
        `{"columns":${JSON.stringify(cols.map((c) => ({ name: c.name, type: c.type })))},"rows":[`,
      );
    },
    async rows(rows) {
      let text = "";
      for (const row of rows) {
        text += `${first ? "\n" : ",\n"}${jsonText(jsonRow(cols, row))}`;
        first = false;
      }
      if (text) await writeOut(out, text);
    },
    async end({ rowCount, truncated, maxRows }) {
      await writeOut(
        out,
        `${first ? "" : "\n"}],"row_count":${rowCount},"truncated":${truncated}${maxRows === undefined ? "" : `,"max_rows":${maxRows}`}}\n`,
      );
    },
  };
}

const NUMERIC =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL)/i;

/** A boxed table whose columns fit `width`: the widest shrink first, cells cut with "…". */
function tableSink(out: NodeJS.WritableStream, width: number | undefined): RowSink {
  let cols: readonly ColumnType[] = [];
  const cells: string[][] = [];
  return {
    async start(columns) {
      cols = columns;
    },
    async rows(rows) {
      for (const row of rows) cells.push(cols.map((c) => displayValue(row[c.name], c.type)));
    },
    async end() {
      if (cols.length === 0) return;
      const widths = fitWidths(
        cols.map((c, i) => Math.max(c.name.length, ...cells.map((r) => longestLine(r[i]!)))),
        width,
      );
      const table = new Table({
        head: cols.map((c) => c.name),
        style: { head: [], border: [] },
        colWidths: widths.map((w) => w + 2),
        colAligns: cols.map((c) => (NUMERIC.test(c.type) ? "right" : "left")),
        truncate: "…",
        wordWrap: false,
      });
      for (const row of cells) table.push(row);
      await writeOut(out, `${table.toString()}\n`);
    },
  };
}

function longestLine(text: string): number {
  let longest = 0;
  for (const line of text.split("\n")) longest = Math.max(longest, line.length);
  return longest;
}

/**
 * Content widths that fit a terminal of `width` columns (each column adds 3 for its
 * border and padding, plus 1): the widest column gives up space first, none below 3.
 */
export function fitWidths(natural: number[], width: number | undefined): number[] {
  if (width === undefined) return [...natural];
  const budget = width - (3 * natural.length + 1);
  // No column needs more than the whole budget: cap first so the loop below stays short.
  const widths = natural.map((w) => Math.min(w, Math.max(budget, 3)));
  let total = widths.reduce((a, b) => a + b, 0);
  while (total > budget) {
    let widest = 0;
    for (let i = 1; i < widths.length; i++) if (widths[i]! > widths[widest]!) widest = i;
    if (widths[widest]! <= 3) break;
    widths[widest]! -= 1;
    total -= 1;
  }
  return widths;
}
