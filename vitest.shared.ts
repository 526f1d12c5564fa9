import { randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/**
 * Settings every package's vitest config starts from. Each package writes a JSON
 * report beside itself so that `pnpm test` can print one total for the repo.
 *
 * This file is also the run's globalSetup (`setup` and `teardown` below), so that the
 * leftover-process check is part of turbo's test inputs like the rest of the settings.
 */
export const sharedTestConfig = defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    reporters: ["default", ["json", { outputFile: "test-results.json" }]],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    globalSetup: [fileURLToPath(import.meta.url)],
  },
});

/**
 * A suite that needs a system program (etcd, Chromium, psql) and so runs outside
 * `pnpm test`, by `pnpm test:<suite>`: only its own files, its own report
 * (`test-results.<suite>.json`, summed by scripts/run-tests.mjs --suite <suite>), and
 * one file at a time, since its files start whole clusters or browsers.
 */
export function suiteTestConfig(suite: "cluster" | "browser" | "pg", include: string[]) {
  return defineConfig({
    test: {
      ...sharedTestConfig.test,
      include,
      reporters: ["default", ["json", { outputFile: `test-results.${suite}.json` }]],
      fileParallelism: false,
      testTimeout: 120_000,
      hookTimeout: 180_000,
    },
  });
}

/**
 * Marks every process the run starts. Test workers get it from this process's
 * environment and pass it on to whatever they spawn; `spawnNode` of @isa-cloud/testing
 * keeps it even for a child started with a clean environment (it names the same
 * variable as TEST_RUN_VARIABLE there).
 */
const RUN_VARIABLE = "ISA_TEST_RUN";

export function setup(): void {
  process.env[RUN_VARIABLE] = `${process.pid}-${randomUUID()}`;
}

/**
 * Fails the run, loudly, when a process started by its tests is still running after
 * the last test file: a child a timed-out test never stopped outlives the run and holds
 * its ports. It is found by the marker in its environment, which survives its parent's
 * exit (an orphan is re-parented to init, so walking parents from here would miss it),
 * then killed. Linux only (/proc); elsewhere the check is skipped.
 */
export async function teardown(): Promise<void> {
  const marker = `${RUN_VARIABLE}=${process.env[RUN_VARIABLE]}`;
  let leftovers = await processesCarrying(marker);
  // A child stopped in the last afterEach may still be on its way out: give it 2 s.
  for (let waited = 0; leftovers.length > 0 && waited < 2_000; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    leftovers = await processesCarrying(marker);
  }
  if (leftovers.length === 0) return;
  for (const { pid } of leftovers) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Ended meanwhile.
    }
  }
  process.exitCode = 1;
  throw new Error(
    `${leftovers.length} process(es) started by the tests were still running after the last test file (killed now; stop children in afterEach, e.g. stopChildren of @isa-cloud/testing):\n${leftovers
      .map(({ pid, command }) => `  pid ${pid}: ${command}`)
      .join("\n")}`,
  );
}

/** Live processes whose environment holds `entry`, but for this one and vitest's own workers. */
async function processesCarrying(entry: string): Promise<Array<{ pid: number; command: string }>> {
  let names: string[];
  try {
    names = await readdir("/proc");
  } catch {
    return [];
  }
  const found: Array<{ pid: number; command: string }> = [];
  for (const name of names) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const environ = await readFile(`/proc/${pid}/environ`, "utf8");
      if (!environ.split("\0").includes(entry)) continue;
      const command = (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0").join(" ").trim();
      // The fields after the command name, which may itself hold spaces or parentheses.
      const stat = await readFile(`/proc/${pid}/stat`, "utf8");
      const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (state === "Z") continue;
      // The pool's workers inherit the marker too: they are this process's own children.
      if (Number(ppid) === process.pid && command.includes("vitest")) continue;
      found.push({ pid, command });
    } catch {
      // Ended while being read, or another user's process.
    }
  }
  return found;
}
