#!/usr/bin/env node
// The repo's test command: biome over the whole repo, then turbo runs generate ->
// build -> lint, typecheck and test in every package (cached), then the packed
// tarballs are installed and imported, then this prints one total over every package's
// vitest JSON report, as `N passed, N failed`, which CI reads.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const packagesDir = join(root, "packages");
const reports = () =>
  readdirSync(packagesDir)
    .map((name) => join(packagesDir, name, "test-results.json"))
    .filter((file) => existsSync(file));

// A report left by an earlier run must not be counted: turbo restores the
// report of every task it replays from cache.
for (const file of reports()) rmSync(file);

// One formatter and linter for the whole repo, then every package's pipeline.
const biome = spawnSync("biome", ["check", "."], { cwd: root, stdio: "inherit" });
const turbo = spawnSync(
  "turbo",
  [
    "run",
    "lint",
    "typecheck",
    "test",
    "--continue",
    "--output-logs=new-only",
    ...process.argv.slice(2),
  ],
  { cwd: root, stdio: "inherit" },
);

// Only when everything built: each package's tarball must install and import alone.
const packs =
  turbo.status === 0
    ? spawnSync("node", ["scripts/check-packs.mjs"], { cwd: root, stdio: "inherit" })
    : { status: 1 };

let passed = 0;
let failed = 0;
for (const file of reports()) {
  const report = JSON.parse(readFileSync(file, "utf8"));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
}
const status = [biome.status, turbo.status, packs.status].every((s) => s === 0) ? 0 : 1;
if (status !== 0 && failed === 0) failed = 1; // a build, lint or typecheck failure
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(status);
