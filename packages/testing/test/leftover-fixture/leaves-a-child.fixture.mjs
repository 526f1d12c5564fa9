// The mistake the teardown is there to catch: a child started and never stopped.
import { spawn } from "node:child_process";
import { it } from "vitest";

it("starts a child process and never stops it", () => {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], {
    stdio: "ignore",
  });
  child.unref();
  console.log(`leftover pid ${child.pid}`);
});
