const HEADER = "event_type,date,duration,value";

/** A CSV in the guide's user_events columns, one line per row: [event_type, date, duration, value]. */
export function eventsCsv(rows: ReadonlyArray<readonly [string, string, number, number]>): string {
  return `${HEADER}\n${rows.map((row) => row.join(",")).join("\n")}\n`;
}

/**
 * `count` events over January 2024, the same on every call (no randomness): for
 * benchmarks and tests that need volume rather than particular rows.
 */
export function manyEventsCsv(count: number): string {
  const types = ["page_view", "click", "search", "add_to_cart", "purchase"];
  const lines = [HEADER];
  for (let i = 0; i < count; i++) {
    const day = String(1 + (i % 31)).padStart(2, "0");
    lines.push(`${types[i % types.length]},2024-01-${day},${(i % 97) + 0.5},${i % 13}`);
  }
  return `${lines.join("\n")}\n`;
}
