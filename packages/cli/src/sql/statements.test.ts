import { describe, expect, it } from "vitest";
import { splitStatements } from "./statements.js";

describe("splitStatements", () => {
  it("ends statements at semicolons outside quotes and comments", () => {
    expect(splitStatements("SELECT ';' AS a; SELECT 2;")).toEqual({
      complete: ["SELECT ';' AS a", "SELECT 2"],
      rest: "",
    });
    expect(splitStatements("SELECT 1 -- a; comment\n;")).toEqual({
      complete: ["SELECT 1 -- a; comment"],
      rest: "",
    });
    expect(splitStatements('SELECT "x;y" /* ; */ FROM t;')).toEqual({
      complete: ['SELECT "x;y" /* ; */ FROM t'],
      rest: "",
    });
  });

  it("keeps an unfinished statement for the next line", () => {
    expect(splitStatements("SELECT *\n")).toEqual({ complete: [], rest: "SELECT *\n" });
    expect(splitStatements("SELECT 'open;\n")).toEqual({ complete: [], rest: "SELECT 'open;\n" });
  });
});
