/** The chart kinds offered from a result. */
export type ChartKind = "bar" | "line" | "area" | "scatter";

export interface ChartData {
  /** x values: numbers, epoch seconds (time), or category indexes. */
  x: number[];
  y: Array<number | null>;
  /** How x reads: numbers, times, or labels (then `labels[x]`). */
  xKind: "number" | "time" | "category";
  labels: string[];
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/;

function asNumber(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "bigint") return Number(value);
  // 64-bit integers and decimals come as exact text; a chart only needs them approximately.
  if (typeof value === "string" && /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(value)) return Number(value);
  return null;
}

function asTime(value: unknown): number | null {
  if (typeof value !== "string" || !ISO_TIME.test(value)) return null;
  // A date or time without a zone is UTC, as DuckDB writes DATE and TIMESTAMP.
  const text =
    /Z|[+-]\d{2}:?\d{2}$/.test(value) || value.length === 10
      ? value
      : `${value.replace(" ", "T")}Z`;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms / 1000;
}

/**
 * Chart series from two columns of a result. x is numeric, time or categorical, by what
 * all its values parse as; y values that are not numbers are gaps. Lines and areas need
 * x in order, so numeric and time series are sorted by x.
 */
export function chartData(
  xs: readonly unknown[],
  ys: readonly unknown[],
  kind: ChartKind,
): ChartData {
  const numbers = xs.map(asNumber);
  const times = xs.map(asTime);
  const y = ys.map(asNumber);
  let xKind: ChartData["xKind"] = "category";
  let x: number[];
  const labels: string[] = [];
  if (xs.length > 0 && numbers.every((v) => v !== null)) {
    xKind = "number";
    x = numbers as number[];
  } else if (xs.length > 0 && times.every((v) => v !== null)) {
    xKind = "time";
    x = times as number[];
  } else {
    const index = new Map<string, number>();
    x = xs.map((value) => {
      const label = value === null || value === undefined ? "NULL" : String(value);
      let at = index.get(label);
      if (at === undefined) {
        at = labels.length;
        index.set(label, at);
        labels.push(label);
      }
      return at;
    });
  }
  if (xKind !== "category" || kind !== "bar") {
    const order = x.map((_, i) => i).sort((a, b) => (x[a] as number) - (x[b] as number));
    return {
      x: order.map((i) => x[i] as number),
      y: order.map((i) => y[i] ?? null),
      xKind,
      labels,
    };
  }
  return { x, y, xKind, labels };
}
