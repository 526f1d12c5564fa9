import { describe, expect, it } from "vitest";
import { splitExplain } from "./explain-syntax.js";

describe("splitExplain", () => {
  it.each([
    ["EXPLAIN SELECT 1", false, "SELECT 1"],
    ["explain analyze insert into t values (1)", true, " insert into t values (1)"],
    ["EXPLAIN ANALYSE SELECT 1", true, " SELECT 1"],
    ["EXPLAIN(ANALYZE)INSERT INTO t VALUES (1)", true, "INSERT INTO t VALUES (1)"],
    ["EXPLAIN (FORMAT json, ANALYZE) DELETE FROM t", true, " DELETE FROM t"],
    // DuckDB runs the statement even when the option says false.
    ["EXPLAIN (ANALYZE false) DELETE FROM t", true, " DELETE FROM t"],
    ["EXPLAIN (FORMAT 'json') DELETE FROM t", false, " DELETE FROM t"],
    [" -- why\n/* a /* nested */ comment */ EXPLAIN\tANALYZE\nSELECT 1", true, "\nSELECT 1"],
    ["EXPLAIN/**/ANALYZE/**/SELECT 1", true, "/**/SELECT 1"],
    ["EXPLAIN SELECT 1 -- ANALYZE", false, "SELECT 1 -- ANALYZE"],
  ])("reads %j", (sql, analyze, inner) => {
    expect(splitExplain(sql)).toEqual({ analyze, inner });
  });

  it("reads nested comments as DuckDB does, so ANALYZE inside one stays a comment", () => {
    // DuckDB plans this as a plain EXPLAIN of SELECT 1: the comment ends at the second */.
    expect(
      splitExplain("EXPLAIN /* /* */ ANALYZE INSERT INTO t VALUES (1) -- */ SELECT 1"),
    ).toEqual({ analyze: false, inner: "SELECT 1" });
  });

  it.each([
    "SELECT 1",
    "EXPLAINX SELECT 1",
    "EXPLAIN /* unterminated",
    "EXPLAIN (FORMAT 'a)', ANALYZE) SELECT 1",
    "EXPLAIN (FORMAT json /* ) */, ANALYZE) SELECT 1",
    "EXPLAIN (ANALYZE",
  ])("gives up on %j rather than guess", (sql) => {
    expect(splitExplain(sql)).toBeUndefined();
  });
});
