#!/usr/bin/env node
// Proves each published package's tarball installs and imports on its own: packs
// every package with pnpm (which rewrites workspace:* to versions), installs all the
// tarballs together into an empty project with npm, and imports each entry there.
// Client packages must also load with require() (Node's require(esm)) and must not
// load any server code: a client install carries nothing of jose, pino, health or
// reflection.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const only = process.argv.slice(2);
const packages = readdirSync(join(root, "packages"))
  .map((dir) => join(root, "packages", dir))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) }))
  .filter(({ manifest }) => !manifest.private)
  .filter(({ manifest }) => only.length === 0 || only.includes(manifest.name));

const CLIENT_PACKAGES = ["@isa-cloud/minio-client", "@isa-cloud/duckdb-client"];
const SERVER_ONLY = ["jose", "pino", "nice-grpc-server-health", "nice-grpc-server-reflection"];

/** Every JavaScript entry of a package: "name" or "name/subpath". */
function entriesOf(manifest) {
  return Object.entries(manifest.exports ?? { ".": {} })
    .filter(([, target]) => typeof target === "object")
    .map(([subpath]) => (subpath === "." ? manifest.name : `${manifest.name}/${subpath.slice(2)}`));
}

// Run in the child before the import: reports every package an ES module resolves into
// (the hook), and at exit every package CommonJS loaded (require's cache).
const HOOKS = `
const packageOf = (url) =>
  /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\/(?!.*node_modules)/.exec(url)?.[1];
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  const name = packageOf(result.url);
  if (name) process.stderr.write("LOADED " + name + "\\n");
  return result;
}
export { packageOf };
`;
const REPORTER = `
import { createRequire, register } from "node:module";
import { packageOf } from "./hooks.mjs";
register("./hooks.mjs", import.meta.url);
process.on("exit", () => {
  for (const file of Object.keys(createRequire(import.meta.url).cache)) {
    const name = packageOf(file);
    if (name) process.stderr.write("LOADED " + name + "\\n");
  }
});
`;

const work = mkdtempSync(join(tmpdir(), "isa-packs-"));
try {
  for (const { dir, manifest } of packages) {
    console.log(`packing ${manifest.name}`);
    execFileSync("pnpm", ["pack", "--pack-destination", work], { cwd: dir, stdio: "ignore" });
  }
  const tarballs = readdirSync(work).filter((f) => f.endsWith(".tgz"));
  writeFileSync(
    join(work, "package.json"),
    JSON.stringify({ name: "pack-check", private: true, type: "module" }),
  );
  writeFileSync(join(work, "hooks.mjs"), HOOKS);
  writeFileSync(join(work, "report-packages.mjs"), REPORTER);
  console.log(`installing ${tarballs.length} tarballs into an empty project`);
  execFileSync(
    "npm",
    ["install", "--no-audit", "--no-fund", "--loglevel=error", ...tarballs.map((t) => `./${t}`)],
    {
      cwd: work,
      stdio: "inherit",
    },
  );
  for (const { manifest } of packages) {
    for (const entry of entriesOf(manifest)) {
      execFileSync(
        "node",
        ["--input-type=module", "-e", `await import(${JSON.stringify(entry)})`],
        {
          cwd: work,
          stdio: "inherit",
        },
      );
    }
    console.log(`ok ${manifest.name} imports from its tarball`);
  }
  for (const name of CLIENT_PACKAGES) {
    execFileSync("node", ["-e", `require(${JSON.stringify(name)})`], {
      cwd: work,
      stdio: "inherit",
    });
    const child = spawnSync(
      "node",
      ["--import", "./report-packages.mjs", "--input-type=module", "-e", `await import("${name}")`],
      { cwd: work, encoding: "utf8" },
    );
    if (child.status !== 0) throw new Error(`${name} failed to import: ${child.stderr}`);
    const loaded = child.stderr;
    const packagesLoaded = new Set(
      loaded
        .split("\n")
        .filter((line) => line.startsWith("LOADED "))
        .map((line) => line.slice(7)),
    );
    const server = SERVER_ONLY.filter((p) => packagesLoaded.has(p));
    if (server.length > 0) throw new Error(`${name} loads server code: ${server.join(", ")}`);
    console.log(`ok ${name} requires, and loads ${packagesLoaded.size} packages, none server-only`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
