import Table from "cli-table3";

/** Renders rows as a boxed table, columns in the given order; nulls show as "NULL". */
export function renderTable(
  columns: ReadonlyArray<{ name: string }>,
  rows: ReadonlyArray<Record<string, unknown>>,
): string {
  const table = new Table({
    head: columns.map((column) => column.name),
    style: { head: [], border: [] },
  });
  for (const row of rows) {
    table.push(columns.map((column) => formatCell(row[column.name])));
  }
  return table.toString();
}

function formatCell(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : value.toFixed(3);
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}
