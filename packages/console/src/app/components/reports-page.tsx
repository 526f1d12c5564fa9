import { useEffect, useRef, useState } from "preact/hooks";
import { drawChart } from "../chart.js";
import { chartData } from "../chart-data.js";
import type { PageProps } from "./app.js";
import { ErrorBox } from "./error-box.js";
import { ValueTable } from "./value-table.js";

interface Analysis {
  events: Array<{
    event_type: string;
    count: number | string;
    avg_duration: number | string | null;
  }>;
}

interface ReportDocument {
  report_type?: string;
  generated_at: string;
  data: unknown;
}

const today = () => new Date().toISOString().slice(0, 10);
const monthAgo = () => new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);

/** Rows and columns of whatever a report holds: a list of objects, one object, or a value. */
function tabular(data: unknown): { columns: string[]; rows: unknown[][] } {
  const list = Array.isArray(data)
    ? data
    : data && typeof data === "object"
      ? [data]
      : [{ value: data }];
  const columns = [
    ...new Set(
      list.flatMap((row) => (row && typeof row === "object" ? Object.keys(row) : ["value"])),
    ),
  ];
  return {
    columns,
    rows: list.map((row) =>
      columns.map((name) =>
        row && typeof row === "object" ? ((row as Record<string, unknown>)[name] ?? null) : row,
      ),
    ),
  };
}

/**
 * The guide's analyses as ready-made views: behaviour by event type (POST /analyze) with
 * a bar chart, and the report types (POST /report/{type}), which the API stores under
 * reports/ in the user's files.
 */
export function ReportsPage({ api, go }: PageProps) {
  const [start, setStart] = useState(monthAgo);
  const [end, setEnd] = useState(today);
  const [date, setDate] = useState(today);
  const [analysis, setAnalysis] = useState<Analysis | null>(null);
  const [report, setReport] = useState<{ key: string; document: ReportDocument } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const chartHost = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const element = chartHost.current;
    if (!element || !analysis || analysis.events.length === 0) return;
    const events = analysis.events;
    const data = chartData(
      events.map((e) => e.event_type),
      events.map((e) => e.count),
      "bar",
    );
    const plot = drawChart(
      element,
      data,
      "bar",
      { x: "event type", y: "events" },
      Math.max(element.clientWidth, 320),
    );
    return () => plot.destroy();
  }, [analysis]);

  const act = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const analyze = () =>
    act(async () =>
      setAnalysis(
        await api.json<Analysis>("/api/v1/data/analyze", { start_date: start, end_date: end }),
      ),
    );

  const generate = (type: string, parameters: Record<string, string>) =>
    act(async () => {
      const saved = await api.json<{ report_key: string }>(
        `/api/v1/data/report/${encodeURIComponent(type)}`,
        parameters,
      );
      const key = saved.report_key;
      const document = await api.json<ReportDocument>(
        `/api/v1/data/reports/${key.split("/").map(encodeURIComponent).join("/")}`,
      );
      setReport({ key, document });
    });

  const table = report ? tabular(report.document.data) : null;
  return (
    <div>
      <ErrorBox error={error} />
      <section class="panel" aria-labelledby="behaviour-title">
        <h2 id="behaviour-title">Behaviour by event type</h2>
        <div class="toolbar">
          <label>
            From
            <input type="date" value={start} onInput={(e) => setStart(e.currentTarget.value)} />
          </label>
          <label>
            To
            <input type="date" value={end} onInput={(e) => setEnd(e.currentTarget.value)} />
          </label>
          <button type="button" class="primary" onClick={analyze} disabled={busy}>
            Analyze
          </button>
        </div>
        {analysis && analysis.events.length === 0 && (
          <p class="muted">No events between these dates.</p>
        )}
        {analysis && analysis.events.length > 0 && (
          <>
            <div
              ref={chartHost}
              role="img"
              aria-label="Events per event type"
              data-testid="analysis-chart"
            />
            <ValueTable
              columns={["event_type", "count", "avg_duration"]}
              rows={analysis.events.map((e) => [e.event_type, e.count, e.avg_duration])}
              label="Events per event type"
            />
          </>
        )}
      </section>
      <section class="panel" aria-labelledby="reports-title">
        <h2 id="reports-title">Reports</h2>
        <p class="muted">Generating a report saves it as JSON under reports/ in your files.</p>
        <div class="toolbar">
          <label>
            Day
            <input type="date" value={date} onInput={(e) => setDate(e.currentTarget.value)} />
          </label>
          <button type="button" onClick={() => generate("daily_summary", { date })} disabled={busy}>
            Save daily summary
          </button>
        </div>
        <div class="toolbar">
          <span>
            User activity from {start} to {end} (the dates above)
          </span>
          <button
            type="button"
            onClick={() => generate("user_activity", { start_date: start, end_date: end })}
            disabled={busy}
          >
            Save user activity
          </button>
        </div>
        {report && table && (
          <div>
            <p role="status" data-testid="report-saved">
              Saved as <code>{report.key}</code> ({report.document.generated_at}).{" "}
              <button type="button" class="link" onClick={() => go("files")}>
                Open Files
              </button>
            </p>
            <ValueTable columns={table.columns} rows={table.rows} label="Report data" />
          </div>
        )}
      </section>
    </div>
  );
}
