import { describe, expect, it } from "vitest";
import { parseCsvPreview, parseJsonPreview, previewKind } from "./preview-parse.js";

describe("parseCsvPreview", () => {
  it("reads quoted fields with commas, quotes and line breaks", () => {
    const text = 'a,b\r\n"x, y","say ""hi"""\n"two\nlines",3\n';
    expect(parseCsvPreview(text, 10, true)).toEqual([
      ["a", "b"],
      ["x, y", 'say "hi"'],
      ["two\nlines", "3"],
    ]);
  });

  it("drops a last line cut off by the preview's byte limit, keeps it for a whole file", () => {
    expect(parseCsvPreview("a\n1\n2", 10, false)).toEqual([["a"], ["1"]]);
    expect(parseCsvPreview("a\n1\n2", 10, true)).toEqual([["a"], ["1"], ["2"]]);
  });

  it("stops after the header and maxRows rows", () => {
    expect(parseCsvPreview("h\n1\n2\n3\n", 2, true)).toEqual([["h"], ["1"], ["2"]]);
  });
});

describe("parseJsonPreview", () => {
  it("reads an array, even one cut off mid-object", () => {
    expect(parseJsonPreview('[{"a":1},{"a":2}]', 10)).toEqual([{ a: 1 }, { a: 2 }]);
    expect(parseJsonPreview('[{"a":{"b":1}},{"a":2},{"a":', 10)).toEqual([
      { a: { b: 1 } },
      { a: 2 },
    ]);
  });

  it("reads one object per line", () => {
    expect(parseJsonPreview('{"a":1}\n{"a":2}\n{"a"', 10)).toEqual([{ a: 1 }, { a: 2 }]);
  });
});

describe("previewKind", () => {
  it("knows files by extension, whatever the case", () => {
    expect(previewKind("d/E.CSV")).toBe("csv");
    expect(previewKind("x.parquet")).toBe("parquet");
    expect(previewKind("p.png")).toBe("image");
    expect(previewKind("blob.bin")).toBe("none");
  });
});
