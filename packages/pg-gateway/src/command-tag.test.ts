import { describe, expect, it } from "vitest";
import { commandKind, commandTag } from "./command-tag.js";

describe("command tags", () => {
  it.each([
    ["SELECT 1", 1, "SELECT 1"],
    ["  -- c\n(WITH a AS (SELECT 1) SELECT * FROM a)", 1, "SELECT 1"],
    ["insert into t values (1)", 3, "INSERT 0 3"],
    ["UPDATE t SET a = 1", 2, "UPDATE 2"],
    ["DELETE FROM t", 0, "DELETE 0"],
    ["CREATE OR REPLACE TABLE t (a INT)", 0, "CREATE TABLE"],
    ["create view v as select 1", 0, "CREATE VIEW"],
    ["DROP TABLE IF EXISTS t", 0, "DROP TABLE"],
    ["START TRANSACTION", 0, "BEGIN"],
    ["END", 0, "COMMIT"],
  ])("%s -> %s", (sql, rows, tag) => {
    expect(commandTag(commandKind(sql), rows)).toBe(tag);
  });
});
