import { useEffect, useRef, useState } from "preact/hooks";
import { type ApiClient, filePath } from "../api.js";
import { parseCsvPreview, parseJsonPreview, previewKind } from "../preview-parse.js";
import { ErrorBox } from "./error-box.js";

type Format = "csv" | "json" | "parquet";

/** The columns POST /import reads; the first two are required (see the API's README). */
const REQUIRED = ["event_type", "date"];
const OPTIONAL = ["duration", "value", "user_id"];

/** Column names at the start of a CSV or JSON file, for the schema check before importing. */
async function headerOf(api: ApiClient, key: string, format: Format): Promise<string[] | null> {
  if (format === "parquet") {
    const entry = await api.fetch(filePath(key), { method: "HEAD" });
    const size = Number(entry.headers.get("content-length") ?? 0);
    const { previewParquet } = await import("../parquet-preview.js");
    return (await previewParquet(api, key, size, 0)).schema.map((column) => column.name);
  }
  const response = await api.fetch(filePath(key), { headers: { range: "bytes=0-16383" } });
  const text = new TextDecoder().decode(
    new Uint8Array(await response.arrayBuffer()).slice(0, 16_384),
  );
  if (format === "csv") return parseCsvPreview(text, 0, true)[0] ?? [];
  return Object.keys(parseJsonPreview(text, 1)[0] ?? {});
}

/**
 * Imports a stored file into the caller's `user_events` table. The API appends in one
 * statement (a bad row adds nothing); it offers no other table and no create or replace,
 * so neither does this dialog.
 */
export function ImportDialog({
  api,
  fileKey,
  onClose,
}: {
  api: ApiClient;
  fileKey: string;
  onClose: () => void;
}) {
  const detected = previewKind(fileKey) as Format;
  const [format, setFormat] = useState<Format>(detected);
  const [columns, setColumns] = useState<string[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [running, setRunning] = useState(false);
  const [elapsed, setElapsed] = useState(0);
  const [result, setResult] = useState<{
    rows_imported: number;
    table: string;
    format: string;
  } | null>(null);
  const ref = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    ref.current?.showModal();
  }, []);
  useEffect(() => {
    setColumns(null);
    headerOf(api, fileKey, format).then(setColumns, setError);
  }, [api, fileKey, format]);

  const run = async () => {
    setRunning(true);
    setError(null);
    setResult(null);
    const started = Date.now();
    const tick = setInterval(() => setElapsed(Math.round((Date.now() - started) / 1000)), 500);
    try {
      setResult(await api.json("/api/v1/data/import", { file_name: fileKey, format }));
    } catch (err) {
      setError(err);
    } finally {
      clearInterval(tick);
      setRunning(false);
    }
  };

  const missing = columns ? REQUIRED.filter((name) => !columns.includes(name)) : [];
  return (
    <dialog ref={ref} aria-labelledby="import-title" onClose={onClose}>
      <h2 id="import-title">Import {fileKey}</h2>
      <div class="toolbar">
        <label>
          Format
          <select value={format} onChange={(e) => setFormat(e.currentTarget.value as Format)}>
            <option value="csv">CSV</option>
            <option value="json">JSON</option>
            <option value="parquet">Parquet</option>
          </select>
        </label>
        <span class="muted">detected from the name: {detected}</span>
      </div>
      <p>
        Into table <code>user_events</code>, appending (the API's only mode).
      </p>
      {columns && (
        <table aria-label="Columns of the file">
          <thead>
            <tr>
              <th scope="col">Column in the file</th>
              <th scope="col">Used as</th>
            </tr>
          </thead>
          <tbody>
            {columns.map((name) => (
              <tr key={name}>
                <td>{name}</td>
                <td>
                  {REQUIRED.includes(name)
                    ? "required"
                    : OPTIONAL.includes(name)
                      ? "optional"
                      : "ignored"}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {missing.length > 0 && (
        <div class="error" role="alert">
          <p>
            <strong>The file has no {missing.join(" or ")} column.</strong>
          </p>
          <p>Add it to the file (events need a type and a date), upload it again, then import.</p>
        </div>
      )}
      <ErrorBox error={error} />
      {running && (
        <p role="status">
          <progress aria-label="Import in progress" /> Importing… {elapsed} s
        </p>
      )}
      {result && (
        <p role="status" data-testid="import-result">
          Imported {result.rows_imported.toLocaleString()} rows ({result.format}) into{" "}
          {result.table}.
        </p>
      )}
      <div class="toolbar">
        <button type="button" onClick={onClose}>
          {result ? "Close" : "Cancel"}
        </button>
        <button
          type="button"
          class="primary"
          onClick={run}
          disabled={running || missing.length > 0 || !!result}
        >
          Import
        </button>
      </div>
    </dialog>
  );
}
