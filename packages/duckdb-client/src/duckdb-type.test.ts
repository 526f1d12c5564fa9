import { describe, expect, it } from "vitest";
import { parseDuckdbType } from "./duckdb-type.js";

describe("parseDuckdbType", () => {
  it("reads scalar names and folds DuckDB's synonyms into one name", () => {
    expect(parseDuckdbType("INTEGER")).toEqual({ kind: "scalar", name: "INTEGER" });
    expect(parseDuckdbType("int8")).toEqual({ kind: "scalar", name: "BIGINT" });
    expect(parseDuckdbType("TIMESTAMP WITH TIME ZONE")).toEqual({
      kind: "scalar",
      name: "TIMESTAMP_TZ",
    });
    expect(parseDuckdbType("TIMESTAMPTZ")).toEqual({ kind: "scalar", name: "TIMESTAMP_TZ" });
    expect(parseDuckdbType("TIME WITH TIME ZONE")).toEqual({ kind: "scalar", name: "TIME_TZ" });
    expect(parseDuckdbType("DOUBLE PRECISION")).toEqual({ kind: "scalar", name: "DOUBLE" });
    expect(parseDuckdbType('"NULL"')).toEqual({ kind: "scalar", name: "SQLNULL" });
  });

  it("reads DECIMAL width and scale", () => {
    expect(parseDuckdbType("DECIMAL(10,2)")).toEqual({ kind: "decimal", width: 10, scale: 2 });
    expect(parseDuckdbType("NUMERIC(38, 0)")).toEqual({ kind: "decimal", width: 38, scale: 0 });
  });

  it("reads lists, fixed-size arrays and their nesting left to right", () => {
    expect(parseDuckdbType("INTEGER[]")).toEqual({
      kind: "list",
      element: { kind: "scalar", name: "INTEGER" },
    });
    expect(parseDuckdbType("BIGINT[3][]")).toEqual({
      kind: "list",
      element: { kind: "list", size: 3, element: { kind: "scalar", name: "BIGINT" } },
    });
    expect(parseDuckdbType("LIST(VARCHAR)")).toEqual({
      kind: "list",
      element: { kind: "scalar", name: "VARCHAR" },
    });
  });

  it("reads STRUCT fields, quoted names included", () => {
    expect(
      parseDuckdbType('STRUCT("a b" INTEGER, "say ""hi""" VARCHAR[], c DECIMAL(4,1))'),
    ).toEqual({
      kind: "struct",
      fields: [
        { name: "a b", type: { kind: "scalar", name: "INTEGER" } },
        {
          name: 'say "hi"',
          type: { kind: "list", element: { kind: "scalar", name: "VARCHAR" } },
        },
        { name: "c", type: { kind: "decimal", width: 4, scale: 1 } },
      ],
    });
  });

  it("reads MAP, UNION and ENUM", () => {
    expect(parseDuckdbType("MAP(VARCHAR, STRUCT(x BIGINT))")).toEqual({
      kind: "map",
      key: { kind: "scalar", name: "VARCHAR" },
      value: { kind: "struct", fields: [{ name: "x", type: { kind: "scalar", name: "BIGINT" } }] },
    });
    expect(parseDuckdbType('UNION("n" INTEGER, "s" VARCHAR)')).toEqual({
      kind: "union",
      members: [
        { name: "n", type: { kind: "scalar", name: "INTEGER" } },
        { name: "s", type: { kind: "scalar", name: "VARCHAR" } },
      ],
    });
    expect(parseDuckdbType("ENUM('a', 'it''s')")).toEqual({ kind: "enum", values: ["a", "it's"] });
  });

  it("keeps unknown names and skips arguments that do not change the wire form", () => {
    expect(parseDuckdbType("VARCHAR(10)")).toEqual({ kind: "scalar", name: "VARCHAR" });
    expect(parseDuckdbType("GEOMETRY('EPSG:4326')")).toEqual({ kind: "scalar", name: "GEOMETRY" });
    expect(parseDuckdbType("SOMETHING_NEW")).toEqual({ kind: "scalar", name: "SOMETHING_NEW" });
  });

  it("rejects text that is not a type name", () => {
    expect(() => parseDuckdbType("STRUCT(a INTEGER")).toThrow(SyntaxError);
    expect(() => parseDuckdbType("INTEGER junk(")).toThrow(SyntaxError);
    expect(() => parseDuckdbType("")).toThrow(SyntaxError);
  });
});
