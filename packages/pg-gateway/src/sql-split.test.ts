import { describe, expect, it } from "vitest";
import { mapUnquoted, splitStatements } from "./sql-split.js";

describe("splitStatements", () => {
  it("splits at top-level semicolons only", () => {
    expect(
      splitStatements("SELECT 1; SELECT ';' AS \"a;b\"; -- c;\nSELECT $$x;y$$ /* ; */;"),
    ).toEqual(["SELECT 1", " SELECT ';' AS \"a;b\"", " -- c;\nSELECT $$x;y$$ /* ; */"]);
  });

  it("drops empty and comment-only statements", () => {
    expect(splitStatements(" ; -- nothing\n;")).toEqual([]);
  });
});

describe("mapUnquoted", () => {
  it("rewrites code but not literals or comments", () => {
    expect(mapUnquoted("SELECT x, 'x' -- x\n, \"x\"", (c) => c.replaceAll("x", "y"))).toBe(
      "SELECT y, 'x' -- x\n, \"x\"",
    );
  });
});
