#!/usr/bin/env node
// Rewrites the variables table of docs/operators/operations.md from the catalogue.
// `--check` exits 1, changing nothing, when the document is not fresh.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { withFreshTable } from "./render-docs.js";

const path = fileURLToPath(new URL("../../../docs/operators/operations.md", import.meta.url));
const current = readFileSync(path, "utf8");
const fresh = withFreshTable(current);
if (process.argv.includes("--check")) {
  if (fresh !== current) {
    console.error(`${path} is stale: run pnpm --filter @isa-cloud/deploy-check run docs`);
    process.exit(1);
  }
} else if (fresh !== current) {
  writeFileSync(path, fresh);
  console.log(`updated ${path}`);
}
