import { renderValue } from "../values.js";

/** A small table of result values (previews, report data), rendered exactly. */
export function ValueTable({
  columns,
  rows,
  label,
}: {
  columns: string[];
  rows: unknown[][];
  label: string;
}) {
  return (
    <table aria-label={label}>
      <thead>
        <tr>
          {columns.map((name) => (
            <th key={name} scope="col">
              {name}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row, i) => (
          <tr key={i}>
            {columns.map((name, j) => {
              const cell = renderValue(row[j]);
              return (
                <td key={name} class={cell.numeric ? "num" : cell.isNull ? "null" : undefined}>
                  {cell.text}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
