import { InvalidArgumentError } from "@isa-cloud/rpc/wire";
import { describe, expect, it } from "vitest";
import { contentTypeFor, resolveImportFormat } from "./formats.js";

describe("resolveImportFormat", () => {
  it("reads the format from the extension", () => {
    expect(resolveImportFormat("a.CSV")).toBe("csv");
    expect(resolveImportFormat("dir/a.jsonl")).toBe("json");
    expect(resolveImportFormat("a.parquet")).toBe("parquet");
  });

  it("prefers the format given", () => {
    expect(resolveImportFormat("export.dat", "csv")).toBe("csv");
  });

  it("refuses unknown formats and names it cannot read", () => {
    expect(() => resolveImportFormat("a.csv", "xlsx")).toThrow(InvalidArgumentError);
    expect(() => resolveImportFormat("a.bin")).toThrow(/pass format/);
    expect(() => resolveImportFormat("noextension")).toThrow(InvalidArgumentError);
  });
});

describe("contentTypeFor", () => {
  it("guesses common types and falls back to octet-stream", () => {
    expect(contentTypeFor("a.csv")).toBe("text/csv");
    expect(contentTypeFor("r.json")).toBe("application/json");
    expect(contentTypeFor("blob")).toBe("application/octet-stream");
  });
});
