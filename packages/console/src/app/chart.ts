import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { ChartData, ChartKind } from "./chart-data.js";

const COLOR = "#0a58ca";

/** Draws a chart with uPlot (canvas, ~20 KB gzipped, loaded only with the chart panel). */
export function drawChart(
  parent: HTMLElement,
  data: ChartData,
  kind: ChartKind,
  labels: { x: string; y: string },
  width: number,
): uPlot {
  const series: uPlot.Series = { label: labels.y, stroke: COLOR, width: 2 };
  if (kind === "bar") {
    series.paths = uPlot.paths.bars?.({ size: [0.6, 80] });
    series.fill = COLOR;
    series.points = { show: false };
  } else if (kind === "area") {
    series.fill = "rgba(10, 88, 202, 0.25)";
  } else if (kind === "scatter") {
    series.paths = () => null;
    series.points = { show: true, size: 5, fill: COLOR };
  }
  const categories = data.xKind === "category";
  return new uPlot(
    {
      width,
      height: 320,
      scales: {
        x: {
          time: data.xKind === "time",
          ...(categories ? { range: (_u, min, max) => [min - 0.5, max + 0.5] } : {}),
        },
      },
      series: [
        { label: labels.x, ...(categories ? { value: (_u, v) => data.labels[v] ?? "" } : {}) },
        series,
      ],
      axes: [
        {
          label: labels.x,
          ...(categories
            ? {
                splits: () => data.labels.map((_, i) => i),
                values: (_u, splits) => splits.map((i) => data.labels[i] ?? ""),
              }
            : {}),
        },
        { label: labels.y },
      ],
    },
    [data.x, data.y],
    parent,
  );
}
