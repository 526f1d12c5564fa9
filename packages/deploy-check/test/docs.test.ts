import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { VARIABLES, withFreshTable } from "../src/index.js";

const doc = fileURLToPath(new URL("../../../docs/operators/operations.md", import.meta.url));

describe("docs/operators/operations.md", () => {
  it("carries the variables table as the catalogue renders it now", () => {
    const current = readFileSync(doc, "utf8");
    expect(current, "stale: run pnpm --filter @isa-cloud/deploy-check run docs").toBe(
      withFreshTable(current),
    );
  });

  it("names every variable", () => {
    const current = readFileSync(doc, "utf8");
    for (const v of VARIABLES) expect(current).toContain(`\`${v.name}\``);
  });
});
