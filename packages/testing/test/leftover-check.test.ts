import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { spawnNode, stopChildren } from "../src/index.js";

const fixture = fileURLToPath(new URL("./leftover-fixture/", import.meta.url));
const vitest = join(
  dirname(createRequire(import.meta.url).resolve("vitest/package.json")),
  "vitest.mjs",
);

/** Whether `pid` is a live process (not gone, not a zombie waiting to be reaped). */
async function isRunning(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

afterEach(stopChildren);

// The check reads /proc, so it runs where /proc exists.
describe.skipIf(process.platform !== "linux")("the test run's teardown (vitest.shared.ts)", () => {
  it("fails the run when a test leaves a child process running, and kills it", async () => {
    const run = spawnNode(vitest, ["run", "--config", "vitest.config.mjs"], { cwd: fixture });
    expect(await run.exited).toBe(1);
    const pid = Number(/leftover pid (\d+)/.exec(run.output())?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(run.output()).toContain("1 passed");
    expect(run.output()).toContain("were still running after the last test file");
    expect(run.output()).toContain(`pid ${pid}: `);
    expect(await isRunning(pid)).toBe(false);
  }, 120_000);
});
