import type { MessageWriter } from "./protocol/backend.js";

/**
 * `COPY (query) TO STDOUT` and `COPY table [(columns)] TO STDOUT`, what psql's `\copy ... to`
 * sends: the gateway runs the query through the service and streams the rows as CopyData
 * in Postgres' text or CSV format. (COPY to a server file is the sandbox's to refuse; COPY
 * FROM STDIN is not supported.)
 * @see https://www.postgresql.org/docs/current/sql-copy.html
 */
export interface CopyOut {
  query: string;
  csv: boolean;
  header: boolean;
  delimiter: string;
  nullText: string;
}

export function copyOutStatement(sql: string): CopyOut | undefined {
  const m =
    /^\s*COPY\s+(?:\(([\s\S]+)\)|((?:"(?:[^"]|"")+"|[\w.])+)\s*(?:\(([^)]*)\))?)\s+TO\s+STDOUT\b([\s\S]*?);?\s*$/i.exec(
      sql,
    );
  if (!m) return undefined;
  const options = m[4] ?? "";
  const csv = /\bcsv\b/i.test(options);
  const delimiter = /\bdelimiter\s+(?:as\s+)?'((?:[^']|'')+)'/i
    .exec(options)?.[1]
    ?.replace("''", "'");
  const nullText = /\bnull\s+(?:as\s+)?'((?:[^']|'')*)'/i.exec(options)?.[1]?.replace("''", "'");
  return {
    query: m[1] ?? `SELECT ${m[3]?.trim() || "*"} FROM ${m[2]}`,
    csv,
    header: /\bheader\b(?!\s+(false|off|0)\b)/i.test(options),
    delimiter: delimiter ?? (csv ? "," : "\t"),
    nullText: nullText ?? (csv ? "" : "\\N"),
  };
}

/** CopyOutResponse: every column in text format. */
export function copyOutResponse(w: MessageWriter, columns: number): void {
  w.begin("H").byte(0).int16(columns);
  for (let i = 0; i < columns; i++) w.int16(0);
  w.end();
}

/** A function writing one row as a CopyData message. */
export function copyRowWriter(
  copy: CopyOut,
): (w: MessageWriter, cells: readonly (string | null)[]) => void {
  const field = copy.csv ? csvField(copy) : textField;
  return (w, cells) => {
    let line = "";
    for (let i = 0; i < cells.length; i++) {
      if (i > 0) line += copy.delimiter;
      const cell = cells[i]!;
      line += cell === null ? copy.nullText : field(cell);
    }
    w.begin("d")
      .bytes(Buffer.from(`${line}\n`))
      .end();
  };
}

function textField(s: string): string {
  return s.replace(
    /[\\\t\n\r]/g,
    (c) => ({ "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" })[c]!,
  );
}

function csvField(copy: CopyOut): (s: string) => string {
  return (s) =>
    s === copy.nullText || s.includes(copy.delimiter) || /["\r\n]/.test(s)
      ? `"${s.replaceAll('"', '""')}"`
      : s;
}
