import { useEffect, useRef, useState } from "preact/hooks";
import { drawChart } from "../chart.js";
import { type ChartKind, chartData } from "../chart-data.js";
import type { RowStore } from "../row-store.js";

/** Points drawn at most: more would not show on a screen and would slow the canvas. */
const MAX_POINTS = 100_000;

export interface ChartPanelProps {
  store: RowStore;
  onClose: () => void;
}

/** Bar, line, area or scatter chart of two columns of the result. */
export function ChartPanel({ store, onClose }: ChartPanelProps) {
  const columns = store.columns;
  const [kind, setKind] = useState<ChartKind>("bar");
  const [x, setX] = useState(columns[0] ?? "");
  const [y, setY] = useState(columns[1] ?? columns[0] ?? "");
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const xi = columns.indexOf(x);
    const yi = columns.indexOf(y);
    const count = Math.min(store.size, MAX_POINTS);
    const xs: unknown[] = [];
    const ys: unknown[] = [];
    for (let i = 0; i < count; i++) {
      const row = store.row(i) ?? [];
      xs.push(row[xi]);
      ys.push(row[yi]);
    }
    const plot = drawChart(
      element,
      chartData(xs, ys, kind),
      kind,
      { x, y },
      Math.max(element.clientWidth, 320),
    );
    return () => plot.destroy();
  }, [store, columns, kind, x, y]);

  const pick = (label: string, value: string, set: (v: string) => void) => (
    <label>
      {label}
      <select value={value} onChange={(e) => set(e.currentTarget.value)}>
        {columns.map((name) => (
          <option key={name}>{name}</option>
        ))}
      </select>
    </label>
  );

  return (
    <section class="panel chart" aria-label="Chart">
      <div class="toolbar">
        <label>
          Kind
          <select value={kind} onChange={(e) => setKind(e.currentTarget.value as ChartKind)}>
            <option value="bar">Bar</option>
            <option value="line">Line</option>
            <option value="area">Area</option>
            <option value="scatter">Scatter</option>
          </select>
        </label>
        {pick("X axis", x, setX)}
        {pick("Y axis", y, setY)}
        {store.size > MAX_POINTS && (
          <span class="muted">first {MAX_POINTS.toLocaleString()} rows</span>
        )}
        <span class="spacer" />
        <button type="button" onClick={onClose}>
          Close chart
        </button>
      </div>
      <div ref={host} data-testid="chart" role="img" aria-label={`${kind} chart of ${y} by ${x}`} />
    </section>
  );
}
