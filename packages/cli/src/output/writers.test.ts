import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createSink, csvField, fitWidths, type OutputFormat } from "./writers.js";

async function render(format: OutputFormat, width?: number, truncated = false): Promise<string> {
  const out = new PassThrough();
  let text = "";
  out.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  const sink = createSink(format, out, width === undefined ? {} : { width });
  await sink.start([
    { name: "id", type: "BIGINT" },
    { name: "note", type: "VARCHAR" },
  ]);
  await sink.rows([
    { id: 1n, note: 'a, "quoted" note' },
    { id: 2n, note: null },
    { id: 3n, note: "" },
    { id: 4n, note: "NULL" },
  ]);
  await sink.end({ rowCount: 4, truncated, ...(truncated ? { maxRows: 4 } : {}) });
  return text;
}

describe("output modes", () => {
  it("csv quotes what needs it and tells NULL (empty) from '' (quoted)", async () => {
    expect(await render("csv")).toBe(
      'id,note\r\n1,"a, ""quoted"" note"\r\n2,\r\n3,""\r\n4,NULL\r\n',
    );
    expect(csvField("plain")).toBe("plain");
  });

  it("json is one document that says whether the result was cut", async () => {
    const doc = JSON.parse(await render("json", undefined, true));
    expect(doc).toMatchObject({ row_count: 4, truncated: true, max_rows: 4 });
    expect(doc.rows[1]).toEqual({ id: 2, note: null });
    expect(doc.rows[3]).toEqual({ id: 4, note: "NULL" });
  });

  it("jsonl, markdown and line", async () => {
    expect((await render("jsonl")).split("\n")[0]).toBe('{"id":1,"note":"a, \\"quoted\\" note"}');
    expect(await render("markdown")).toContain("| 2 | NULL |");
    expect(await render("markdown")).toContain("| 4 | 'NULL' |");
    expect(await render("line")).toContain('  id = 1\nnote = a, "quoted" note\n\n');
  });

  it("table fits the terminal: no line wider than asked", async () => {
    const text = await render("table", 20);
    for (const line of text.trimEnd().split("\n")) expect(line.length).toBeLessThanOrEqual(20);
    expect(text).toContain("…");
    expect(text).toContain("'NULL'");
  });

  it("fitWidths shrinks the widest column first and keeps every column", () => {
    expect(fitWidths([2, 50], 30)).toEqual([2, 21]);
    expect(fitWidths([10, 10], undefined)).toEqual([10, 10]);
    expect(fitWidths([1_000_000], 80)).toEqual([76]);
  });
});
