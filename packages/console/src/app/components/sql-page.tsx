import type { ComponentType } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { exportResult, GRID_ROW_LIMIT, type QueryOutcome, runQuery } from "../query-runner.js";
import type { RowStore } from "../row-store.js";
import { createSqlEditor, type SqlEditor } from "../sql-editor.js";
import type { PageProps } from "./app.js";
import type { ChartPanelProps } from "./chart-panel.js";
import { ErrorBox } from "./error-box.js";
import { Grid } from "./grid.js";

const HISTORY_KEY = "isa-console-sql-history";
const HISTORY_SIZE = 50;

function loadHistory(): string[] {
  try {
    return JSON.parse(localStorage.getItem(HISTORY_KEY) ?? "[]") as string[];
  } catch {
    return [];
  }
}

interface Column {
  name: string;
  type: string;
}

/** The SQL workbench: tables panel, editor, run/cancel, history, streamed grid, export, chart. */
export function SqlPage({ api }: PageProps) {
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<SqlEditor | null>(null);
  const running = useRef<AbortController | null>(null);
  const [tables, setTables] = useState<Record<string, Column[]>>({});
  const [history, setHistory] = useState<string[]>(loadHistory);
  const [store, setStore] = useState<RowStore | null>(null);
  const [version, setVersion] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [outcome, setOutcome] = useState<(QueryOutcome & { sql: string }) | null>(null);
  const [chart, setChart] = useState<ComponentType<ChartPanelProps> | null>(null);
  const [showChart, setShowChart] = useState(false);

  const loadTables = async () => {
    try {
      const answer = await api.json<{
        rows: Array<{ table_name: string; column_name: string; data_type: string }>;
      }>("/api/v1/data/query", {
        sql: "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'main' ORDER BY table_name, ordinal_position",
      });
      const next: Record<string, Column[]> = {};
      for (const row of answer.rows) {
        const columns = next[row.table_name] ?? [];
        columns.push({ name: row.column_name, type: row.data_type });
        next[row.table_name] = columns;
      }
      setTables(next);
      editor.current?.setSchema(
        Object.fromEntries(Object.entries(next).map(([t, cols]) => [t, cols.map((c) => c.name)])),
      );
    } catch (err) {
      setError(err);
    }
  };

  const run = async () => {
    const sql = editor.current?.statement();
    if (!sql || running.current) return;
    const abort = new AbortController();
    running.current = abort;
    setBusy(true);
    setError(null);
    setOutcome(null);
    setShowChart(false);
    const nextHistory = [sql, ...history.filter((old) => old !== sql)].slice(0, HISTORY_SIZE);
    setHistory(nextHistory);
    localStorage.setItem(HISTORY_KEY, JSON.stringify(nextHistory));
    // Redraws at most once a frame while rows stream in.
    let frame = 0;
    try {
      const result = await runQuery(api, sql, abort.signal, (rows) => {
        if (frame) return;
        frame = requestAnimationFrame(() => {
          frame = 0;
          setStore(rows);
          setVersion((v) => v + 1);
        });
      });
      cancelAnimationFrame(frame);
      setStore(result.store);
      setVersion((v) => v + 1);
      setOutcome({ ...result, sql });
    } catch (err) {
      setError(
        (err as Error).name === "AbortError"
          ? new Error("Cancelled: the rows shown are those that arrived.")
          : err,
      );
    } finally {
      running.current = null;
      setBusy(false);
    }
  };

  // The editor's Ctrl-Enter binding is made once; it calls the latest `run` through this.
  const runLatest = useRef(run);
  runLatest.current = run;

  useEffect(() => {
    if (!host.current) return;
    editor.current = createSqlEditor(
      host.current,
      "SELECT * FROM user_events LIMIT 100",
      () => void runLatest.current(),
    );
    void loadTables();
    return () => {
      running.current?.abort();
      editor.current?.destroy();
    };
  }, []);

  const exportAs = async (format: "csv" | "parquet") => {
    if (!outcome) return;
    setError(null);
    try {
      await exportResult(api, outcome.sql, format, new AbortController().signal);
    } catch (err) {
      setError(err);
    }
  };

  const openChart = async () => {
    setShowChart(true);
    if (!chart) {
      try {
        const { ChartPanel } = await import("./chart-panel.js");
        setChart(() => ChartPanel);
      } catch (err) {
        setError(err);
      }
    }
  };
  const Chart = chart;

  return (
    <div class="split">
      <aside class="schema" aria-label="Tables and columns">
        <div class="toolbar">
          <strong>Tables</strong>
          <button type="button" class="link" onClick={loadTables}>
            refresh
          </button>
        </div>
        {Object.keys(tables).length === 0 && (
          <p class="muted">No tables yet: import a file from Files.</p>
        )}
        <ul style="padding:0">
          {Object.entries(tables).map(([table, columns]) => (
            <li key={table}>
              <details open>
                <summary>{table}</summary>
                <ul>
                  {columns.map((column) => (
                    <li key={column.name}>
                      {column.name} <span class="muted">{column.type}</span>
                    </li>
                  ))}
                </ul>
              </details>
            </li>
          ))}
        </ul>
      </aside>
      <section aria-label="SQL" style="min-width:0">
        <div class="editor" ref={host} />
        <div class="toolbar" style="margin-top:8px">
          <button type="button" class="primary" onClick={run} disabled={busy}>
            Run
          </button>
          <button type="button" onClick={() => running.current?.abort()} disabled={!busy}>
            Cancel
          </button>
          <label>
            History
            <select
              value=""
              onChange={(e) => {
                editor.current?.setText(e.currentTarget.value);
                e.currentTarget.value = "";
              }}
            >
              <option value="">{history.length ? "pick a past statement…" : "empty"}</option>
              {history.map((sql) => (
                <option key={sql} value={sql}>
                  {sql.slice(0, 80)}
                </option>
              ))}
            </select>
          </label>
          <span class="spacer" />
          <button type="button" onClick={() => exportAs("csv")} disabled={!outcome}>
            Export CSV
          </button>
          <button type="button" onClick={() => exportAs("parquet")} disabled={!outcome}>
            Export Parquet
          </button>
          <button type="button" onClick={openChart} disabled={!outcome || !store?.size}>
            Chart
          </button>
        </div>
        <ErrorBox error={error} />
        <p class="status" role="status" data-testid="query-status">
          {busy
            ? `Running… ${store?.size.toLocaleString() ?? 0} rows so far`
            : outcome
              ? `${outcome.store.size.toLocaleString()} rows${outcome.truncated ? ` (cut at ${outcome.store.size === GRID_ROW_LIMIT ? "the grid's limit" : "the API's JSON page"}; export to get all)` : ""}; first rows in ${Math.round(outcome.firstRowsMs)} ms, all in ${Math.round(outcome.totalMs)} ms`
              : ""}
        </p>
        {store && <Grid store={store} version={version} />}
        {showChart && Chart && store && <Chart store={store} onClose={() => setShowChart(false)} />}
      </section>
    </div>
  );
}
