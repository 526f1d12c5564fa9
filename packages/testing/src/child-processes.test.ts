import { tmpdir } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { spawnNode, spawnPty, stopChildren, TEST_RUN_VARIABLE } from "./child-processes.js";

const cwd = tmpdir();
/** `node -e code` as a child. */
const node = (code: string, options: Parameters<typeof spawnNode>[2] = { cwd }) =>
  spawnNode("-e", [code], options);

afterEach(stopChildren);

describe("spawnNode", () => {
  it("waits for a line of output, then stops the child as Ctrl-C would", async () => {
    const child = node(`
      process.once("SIGINT", () => { console.log("bye"); process.exit(0); });
      setTimeout(() => console.log("ready"), 100);
      setInterval(() => {}, 1000);
    `);
    expect(await child.waitFor("ready")).toContain("ready");
    expect(await child.stop()).toBe(0);
    expect(child.output()).toContain("bye");
  });

  it("kills a child that ignores the signal once the grace period is over", async () => {
    const child = node(`
      process.on("SIGTERM", () => {});
      console.log("stubborn");
      setInterval(() => {}, 1000);
    `);
    await child.waitFor("stubborn");
    expect(await child.stop("SIGTERM", 200)).toBe("SIGKILL");
  });

  it("rejects a wait with the output when the child ends first", async () => {
    const child = node(`console.error("no config"); process.exit(3);`);
    await expect(child.waitFor("ready")).rejects.toThrow(
      /ended \(3\) before "ready"[\s\S]*no config/,
    );
    expect(await child.exited).toBe(3);
  });

  it("rejects a wait that outlasts its timeout", async () => {
    const child = node("setInterval(() => {}, 1000);");
    await expect(child.waitFor("ready", 100)).rejects.toThrow(/no "ready" .* in 100 ms/);
  });

  it("keeps the test run's marker in a clean environment", async () => {
    const child = node("console.log(JSON.stringify(Object.keys(process.env).sort()));", {
      cwd,
      inheritEnv: false,
      env: { ONLY_THIS: "1" },
    });
    await child.exited;
    const keys = JSON.parse(child.output()) as string[];
    expect(keys).toContain("ONLY_THIS");
    expect(keys).toContain("PATH");
    expect(keys).not.toContain("HOME");
    // vitest.shared.ts's globalSetup marked this run; the child carries the mark on.
    expect(keys).toContain(TEST_RUN_VARIABLE);
  });

  it("stops every child still running with stopChildren", async () => {
    const children = [node("setInterval(() => {}, 1000);"), node("setInterval(() => {}, 1000);")];
    await stopChildren();
    expect(await Promise.all(children.map((child) => child.exited))).toEqual([
      "SIGTERM",
      "SIGTERM",
    ]);
  });
});

describe("spawnNode with stdin", () => {
  it("passes what is written to the child's stdin, and keeps stdout and stderr apart", async () => {
    const child = node(
      `process.stdin.on("data", (d) => process.stdout.write("got " + d)); process.stdin.on("end", () => console.error("end"));`,
      { cwd, stdin: "pipe" },
    );
    child.write("abc");
    await child.waitFor("got abc");
    child.endInput();
    expect(await child.exited).toBe(0);
    expect(child.stdout()).toBe("got abc");
    expect(child.stderr()).toBe("end\n");
  });
});

describe("spawnPty", () => {
  it("runs the child in a terminal of the given size, keys in, exit code out", async () => {
    const child = spawnPty(
      "-e",
      [
        `console.log(["tty", process.stdin.isTTY, process.stdout.isTTY, process.stdout.columns].join(" ")); process.stdin.setRawMode(true); process.stdin.once("data", (d) => process.exit(d[0]));`,
      ],
      { cwd, columns: 123 },
    );
    await child.waitFor("tty true true 123");
    child.write("\x07");
    expect(await child.exited).toBe(7);
  });
});
