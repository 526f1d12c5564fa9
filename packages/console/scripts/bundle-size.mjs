// Prints what the console's first page loads, gzipped, and fails the build above the
// budget. "First page" is index.html and everything it loads before any click: the
// entry chunk, its static imports and their CSS (Vite's manifest lists them); the SQL
// editor, charts and the Parquet reader are lazy chunks, listed apart.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const BUDGET_BYTES = 300 * 1024;
const dist = new URL("../dist/app/", import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(join(dist, ".vite/manifest.json"), "utf8"));

const gz = (file) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
const first = new Set(["index.html"]);
const visit = (id) => {
  const chunk = manifest[id];
  first.add(chunk.file);
  for (const css of chunk.css ?? []) first.add(css);
  for (const next of chunk.imports ?? []) visit(next);
};
const entry = Object.keys(manifest).find((id) => manifest[id].isEntry);
visit(entry);

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
let total = 0;
for (const file of first) {
  const size = gz(file);
  total += size;
  console.log(`  first page  ${kb(size).padStart(9)}  ${file}`);
}
for (const chunk of Object.values(manifest)) {
  if (first.has(chunk.file)) continue;
  console.log(`  lazy        ${kb(gz(chunk.file)).padStart(9)}  ${chunk.file}`);
}
console.log(`console first page: ${kb(total)} gzipped (budget ${kb(BUDGET_BYTES)})`);
if (total > BUDGET_BYTES) {
  console.error("over budget: load the new dependency lazily (import()) or drop it");
  process.exit(1);
}
