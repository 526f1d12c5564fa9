#!/usr/bin/env node
// Proves each package's tarball installs and imports on its own: packs every
// package with pnpm (which rewrites workspace:* to versions), installs all the
// tarballs together into an empty project with npm, and imports each entry there.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const only = process.argv.slice(2);
const packages = readdirSync(join(root, "packages"))
  .map((dir) => join(root, "packages", dir))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) }))
  .filter(({ manifest }) => only.length === 0 || only.includes(manifest.name));

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
    execFileSync(
      "node",
      ["--input-type=module", "-e", `await import(${JSON.stringify(manifest.name)})`],
      {
        cwd: work,
        stdio: "inherit",
      },
    );
    console.log(`ok ${manifest.name} imports from its tarball`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
