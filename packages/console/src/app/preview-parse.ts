/**
 * Rows of the start of a CSV file, for a preview: RFC 4180 quoting (commas, quotes and
 * line breaks inside quotes), at most `maxRows` rows after the header. The text may be
 * cut anywhere (only the file's first bytes are fetched), so a last line without its
 * line break is dropped unless the text is the whole file.
 */
export function parseCsvPreview(text: string, maxRows: number, complete: boolean): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let i = 0;
  for (; i < text.length && rows.length <= maxRows; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += ch;
  }
  if (complete && i === text.length && (field !== "" || row.length > 0)) {
    row.push(field);
    rows.push(row);
  }
  return rows.slice(0, maxRows + 1);
}

/**
 * Rows of the start of a JSON file: an array of objects, or one object per line
 * (NDJSON). A cut-off array yields the objects that are complete.
 */
export function parseJsonPreview(text: string, maxRows: number): Record<string, unknown>[] {
  const trimmed = text.trimStart();
  if (!trimmed.startsWith("[")) {
    const rows: Record<string, unknown>[] = [];
    for (const line of trimmed.split("\n")) {
      if (rows.length >= maxRows) break;
      try {
        if (line.trim()) rows.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        break;
      }
    }
    return rows;
  }
  try {
    return (JSON.parse(trimmed) as Record<string, unknown>[]).slice(0, maxRows);
  } catch {
    // Cut off: keep the array up to the last complete top-level object.
    for (let end = trimmed.lastIndexOf("}"); end > 0; end = trimmed.lastIndexOf("}", end - 1)) {
      try {
        return (JSON.parse(`${trimmed.slice(0, end + 1)}]`) as Record<string, unknown>[]).slice(
          0,
          maxRows,
        );
      } catch {
        // Not a top-level object's end; try the one before.
      }
    }
    return [];
  }
}

/** What a file's name says about how to preview it. */
export type PreviewKind = "csv" | "json" | "parquet" | "image" | "text" | "none";

export function previewKind(key: string): PreviewKind {
  const ext = key.slice(key.lastIndexOf(".") + 1).toLowerCase();
  if (ext === "csv" || ext === "tsv") return "csv";
  if (ext === "json" || ext === "ndjson" || ext === "jsonl") return "json";
  if (ext === "parquet") return "parquet";
  if (["png", "jpg", "jpeg", "gif", "webp", "svg", "avif"].includes(ext)) return "image";
  if (["txt", "md", "log", "sql", "yaml", "yml", "xml", "html", "ts", "js", "py"].includes(ext))
    return "text";
  return "none";
}
