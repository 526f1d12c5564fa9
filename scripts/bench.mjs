// `pnpm bench`: every package's bench, one at a time (the machine's cores are shared, so
// two benches side by side would both lie), then every aim they reported in one table.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "isa-bench-"));
const aimsFile = join(dir, "aims.jsonl");
const filter = process.argv.slice(2);
const run = spawnSync(
  "pnpm",
  ["exec", "turbo", "run", "bench", "--concurrency=1", "--output-logs=full", ...filter],
  { stdio: "inherit", env: { ...process.env, ISA_BENCH_AIMS: aimsFile } },
);
let aims = [];
try {
  aims = readFileSync(aimsFile, "utf8")
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
} catch {
  // No bench reported an aim (e.g. every one failed before measuring).
}
rmSync(dir, { recursive: true, force: true });
if (aims.length > 0) {
  console.log("\nAims of the speed issue, as measured in this run (ratio: higher is better)");
  console.table(
    aims.map((a) => ({
      aim: a.name,
      measured: a.measured,
      "peer / limit": a.peer,
      ratio: `${a.ratio}x`,
      target: `>= ${a.target}x`,
      met: a.met ? "yes" : "no",
      load: a.load,
    })),
  );
  const met = aims.filter((a) => a.met).length;
  console.log(`${met} of ${aims.length} aims met`);
}
process.exit(run.status ?? 1);
