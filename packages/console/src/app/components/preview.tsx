import { useEffect, useState } from "preact/hooks";
import { type ApiClient, filePath } from "../api.js";
import type { Entry } from "../files-model.js";
import type { ParquetPreview } from "../parquet-preview.js";
import { parseCsvPreview, parseJsonPreview, previewKind } from "../preview-parse.js";
import { ErrorBox } from "./error-box.js";
import { ValueTable } from "./value-table.js";

/** Bytes fetched for a text, CSV or JSON preview: the start of the file only. */
const PREVIEW_BYTES = 64 * 1024;
const PREVIEW_ROWS = 50;

type Content =
  | { kind: "text"; text: string }
  | { kind: "table"; columns: string[]; rows: unknown[][]; note: string }
  | { kind: "parquet"; preview: ParquetPreview }
  | { kind: "image"; url: string }
  | { kind: "none" };

async function load(api: ApiClient, key: string, size: number): Promise<Content> {
  const kind = previewKind(key);
  if (kind === "none") return { kind: "none" };
  if (kind === "parquet") {
    const { previewParquet } = await import("../parquet-preview.js");
    return { kind: "parquet", preview: await previewParquet(api, key, size, PREVIEW_ROWS) };
  }
  if (kind === "image") {
    const blob = await (await api.fetch(filePath(key))).blob();
    return { kind: "image", url: URL.createObjectURL(blob) };
  }
  const response = await api.fetch(filePath(key), {
    headers: { range: `bytes=0-${PREVIEW_BYTES - 1}` },
  });
  const bytes = new Uint8Array(await response.arrayBuffer()).slice(0, PREVIEW_BYTES);
  const complete = size <= PREVIEW_BYTES;
  const text = new TextDecoder().decode(bytes);
  if (kind === "csv") {
    const [header = [], ...rows] = parseCsvPreview(text, PREVIEW_ROWS, complete);
    return { kind: "table", columns: header, rows, note: `first ${rows.length} rows` };
  }
  if (kind === "json") {
    const objects = parseJsonPreview(text, PREVIEW_ROWS);
    const columns = [...new Set(objects.flatMap((row) => Object.keys(row)))];
    return {
      kind: "table",
      columns,
      rows: objects.map((row) => columns.map((name) => row[name] ?? null)),
      note: `first ${objects.length} records`,
    };
  }
  return { kind: "text", text: complete ? text : `${text}\n…` };
}

/** The preview panel of one file: text, first rows of CSV/JSON/Parquet, or the image. */
export function Preview({
  api,
  entry,
  onClose,
}: {
  api: ApiClient;
  entry: Extract<Entry, { kind: "file" }>;
  onClose: () => void;
}) {
  const [content, setContent] = useState<Content | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let url: string | undefined;
    setContent(null);
    setError(null);
    load(api, entry.key, entry.size).then((loaded) => {
      if (loaded.kind === "image") url = loaded.url;
      setContent(loaded);
    }, setError);
    return () => {
      if (url) URL.revokeObjectURL(url);
    };
  }, [api, entry.key, entry.size]);

  return (
    <section class="panel" aria-labelledby="preview-title">
      <div class="toolbar">
        <h3 id="preview-title" style="margin:0">
          Preview of {entry.key}
        </h3>
        <span class="spacer" />
        <button type="button" onClick={onClose}>
          Close preview
        </button>
      </div>
      <ErrorBox error={error} />
      {!content && !error && <p class="status">Loading…</p>}
      <div class="preview" data-testid="preview">
        {content?.kind === "none" && (
          <p class="muted">No preview for this kind of file: download it instead.</p>
        )}
        {content?.kind === "text" && <pre>{content.text}</pre>}
        {content?.kind === "image" && <img src={content.url} alt={entry.name} />}
        {content?.kind === "table" && (
          <>
            <p class="muted">{content.note}</p>
            <ValueTable
              columns={content.columns}
              rows={content.rows}
              label={`First rows of ${entry.name}`}
            />
          </>
        )}
        {content?.kind === "parquet" && (
          <>
            <p class="muted">
              {content.preview.rowCount} rows; schema:{" "}
              {content.preview.schema.map((column) => `${column.name} ${column.type}`).join(", ")}
            </p>
            <ValueTable
              columns={content.preview.schema.map((column) => column.name)}
              rows={content.preview.rows.map((row) =>
                content.preview.schema.map((column) => row[column.name] ?? null),
              )}
              label={`First rows of ${entry.name}`}
            />
          </>
        )}
      </div>
    </section>
  );
}
