import { type ChildProcess, spawn } from "node:child_process";
import { basename } from "node:path";

/**
 * Marks every process a test run starts: the repo's vitest globalSetup
 * (vitest.shared.ts) sets it once per run, children inherit it, and the run's teardown
 * fails on any process still carrying it. Children spawned here keep it even when
 * they start from a clean environment.
 */
export const TEST_RUN_VARIABLE = "ISA_TEST_RUN";

export interface SpawnNodeOptions {
  /** Working directory of the child. */
  cwd: string;
  /** Variables set for the child, over the inherited ones. Default none. */
  env?: Record<string, string | undefined>;
  /**
   * Start from this process's environment (true) or from PATH alone (false), for a
   * child that must not see the developer's ISA_* settings. Default true.
   */
  inheritEnv?: boolean;
}

/** How a child ended: its exit code, or the name of the signal that ended it. */
export type ChildEnd = number | NodeJS.Signals;

export interface TestChild {
  process: ChildProcess;
  /** stdout and stderr so far, interleaved as they came. */
  output(): string;
  /** Settles once the child has exited and its output is complete. */
  exited: Promise<ChildEnd>;
  /**
   * Resolves with the output once it contains `text`; rejects with the output when the
   * child ends first or `timeoutMs` passes (default 120 s: a loaded 2-core machine
   * can take tens of seconds to start a process that loads DuckDB).
   */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<string>;
  /**
   * Sends `signal` (default SIGINT, as Ctrl-C) unless the child has ended, then SIGKILL
   * if it is still running `graceMs` later (default 10 s). Resolves with how it ended.
   */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<ChildEnd>;
}

/** Children of this test worker that have not ended yet, for stopChildren. */
const running = new Set<TestChild>();

/** Runs `node script ...args` as a child process, its output collected as it comes. */
export function spawnNode(script: string, args: string[], options: SpawnNodeOptions): TestChild {
  const base = (options.inheritEnv ?? true) ? process.env : { PATH: process.env.PATH };
  const child = spawn(process.execPath, [script, ...args], {
    cwd: options.cwd,
    env: { ...base, ...options.env, [TEST_RUN_VARIABLE]: process.env[TEST_RUN_VARIABLE] },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const label = [basename(script), ...args].join(" ");
  let output = "";
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  // Without a listener a failed kill or spawn would throw in the test worker.
  child.on("error", (err) => {
    output += `\n[${label}: ${err.message}]\n`;
  });
  let closed = false;
  // "close", not "exit": by then stdout and stderr have been read to the end.
  const exited = new Promise<ChildEnd>((resolve) => {
    child.once("close", (code, signal) => {
      closed = true;
      running.delete(handle);
      resolve(code ?? signal ?? -1);
    });
  });

  const handle: TestChild = {
    process: child,
    output: () => output,
    exited,
    waitFor(text, timeoutMs = 120_000) {
      const found = () => (typeof text === "string" ? output.includes(text) : text.test(output));
      return new Promise((resolve, reject) => {
        const finish = (error?: Error) => {
          clearTimeout(timer);
          child.stdout.off("data", check);
          child.stderr.off("data", check);
          child.off("close", onClose);
          if (error) reject(error);
          else resolve(output);
        };
        const check = () => {
          if (found()) finish();
        };
        const onClose = (code: number | null, signal: NodeJS.Signals | null) =>
          finish(new Error(`${label} ended (${code ?? signal}) before "${text}":\n${output}`));
        const timer = setTimeout(
          () => finish(new Error(`no "${text}" from ${label} in ${timeoutMs} ms:\n${output}`)),
          timeoutMs,
        );
        // Registered after the collectors, so `output` already holds the chunk checked.
        child.stdout.on("data", check);
        child.stderr.on("data", check);
        child.once("close", onClose);
        if (found()) finish();
        else if (closed) onClose(child.exitCode, child.signalCode);
      });
    },
    async stop(signal = "SIGINT", graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill(signal);
      const kill = setTimeout(() => child.kill("SIGKILL"), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(kill);
      }
    },
  };
  running.add(handle);
  return handle;
}

/**
 * Stops every child spawned here that is still running (SIGTERM, then SIGKILL after
 * 5 s): `afterEach(stopChildren)`, so a test that failed or timed out midway leaves
 * nothing behind.
 */
export async function stopChildren(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop("SIGTERM", 5_000)));
}
