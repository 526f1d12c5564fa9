import { describe, expect, it } from "vitest";
import { eventsCsv, manyEventsCsv } from "./events-csv.js";

describe("events CSV fixtures", () => {
  it("write the guide's user_events columns, one line per row", () => {
    expect(eventsCsv([["click", "2024-01-01", 2, 1]])).toBe(
      "event_type,date,duration,value\nclick,2024-01-01,2,1\n",
    );
  });

  it("generate the same events every time, within January 2024", () => {
    const csv = manyEventsCsv(100);
    expect(csv).toBe(manyEventsCsv(100));
    const lines = csv.trim().split("\n").slice(1);
    expect(lines).toHaveLength(100);
    for (const line of lines) expect(line).toMatch(/^[a-z_]+,2024-01-(0[1-9]|[12]\d|3[01]),/);
  });
});
