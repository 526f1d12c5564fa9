#!/usr/bin/env node
// The repo's test commands, each ending with one total over every package's vitest JSON
// report, as `N passed, N failed`, which CI reads.
//
//   node scripts/run-tests.mjs                  `pnpm test`: biome over the whole repo, then
//       turbo runs generate -> build -> lint, typecheck and test in every package (cached),
//       then the packed tarballs are installed and imported.
//   node scripts/run-tests.mjs --suite cluster  `pnpm test:cluster` (etcd), likewise
//       `--suite browser` (Chromium) and `--suite pg` (psql, psycopg2): turbo runs the
//       packages' `test:<suite>` scripts after building what they need.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const packagesDir = join(root, "packages");
const args = process.argv.slice(2);
const suiteAt = args.indexOf("--suite");
const suite = suiteAt === -1 ? undefined : args.splice(suiteAt, 2)[1];
if (suiteAt !== -1 && !["cluster", "browser", "pg"].includes(suite ?? "")) {
  console.error(`--suite takes cluster, browser or pg, got ${JSON.stringify(suite)}`);
  process.exit(2);
}
const reportName = suite ? `test-results.${suite}.json` : "test-results.json";
const reports = () =>
  readdirSync(packagesDir)
    .map((name) => join(packagesDir, name, reportName))
    .filter((file) => existsSync(file));

// A report left by an earlier run must not be counted: turbo restores the
// report of every task it replays from cache.
for (const file of reports()) rmSync(file);

const run = (command, commandArgs) =>
  spawnSync(command, commandArgs, { cwd: root, stdio: "inherit" }).status;
const turboFlags = ["--continue", "--output-logs=new-only", ...args];

const statuses = [];
if (suite) {
  statuses.push(run("turbo", ["run", `test:${suite}`, ...turboFlags]));
} else {
  // One formatter and linter for the whole repo, then every package's pipeline.
  statuses.push(run("biome", ["check", "."]));
  const turbo = run("turbo", ["run", "lint", "typecheck", "test", ...turboFlags]);
  statuses.push(turbo);
  // Only when everything built: each package's tarball must install and import alone.
  statuses.push(turbo === 0 ? run("node", ["scripts/check-packs.mjs"]) : 1);
}

let passed = 0;
let failed = 0;
for (const file of reports()) {
  const report = JSON.parse(readFileSync(file, "utf8"));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
}
const status = statuses.every((s) => s === 0) ? 0 : 1;
if (status !== 0 && failed === 0) failed = 1; // a build, lint or typecheck failure
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(status);
