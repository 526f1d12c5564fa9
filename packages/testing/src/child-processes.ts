import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
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
  /** "pipe" to write to the child's stdin with `write`/`endInput`. Default "ignore". */
  stdin?: "ignore" | "pipe";
}

/** How a child ended: its exit code, or the name of the signal that ended it. */
export type ChildEnd = number | NodeJS.Signals;

export interface TestChild {
  process: ChildProcess;
  /** stdout and stderr so far, interleaved as they came. */
  output(): string;
  /** stdout alone so far (for a pseudo-terminal child: everything it showed). */
  stdout(): string;
  /** stderr alone so far (empty for a pseudo-terminal child). */
  stderr(): string;
  /** Writes to the child's stdin (spawned with `stdin: "pipe"`, or a pseudo-terminal's keyboard). */
  write(text: string): void;
  /** Closes the child's stdin (end of input; Ctrl-D on a pseudo-terminal is `write("\x04")`). */
  endInput(): void;
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
  return track(
    spawn(process.execPath, [script, ...args], {
      cwd: options.cwd,
      env: childEnv(options),
      stdio: [options.stdin ?? "ignore", "pipe", "pipe"],
    }),
    [basename(script), ...args].join(" "),
  );
}

function childEnv(options: SpawnNodeOptions): NodeJS.ProcessEnv {
  const base = (options.inheritEnv ?? true) ? process.env : { PATH: process.env.PATH };
  return { ...base, ...options.env, [TEST_RUN_VARIABLE]: process.env[TEST_RUN_VARIABLE] };
}

/** Collects a child's output, waits for its lines and stops it; stopChildren finds it. */
function track(child: ChildProcess, label: string): TestChild {
  if (!child.stdout || !child.stderr) throw new Error(`${label}: spawn stdout and stderr as pipes`);
  let output = "";
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    stderr += chunk.toString();
  });
  // Writing to a child that has exited fails with EPIPE; the test sees that in its output.
  child.stdin?.on("error", () => {});
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
    stdout: () => stdout,
    stderr: () => stderr,
    write(text) {
      if (!child.stdin) throw new Error(`${label} was spawned without stdin: "pipe"`);
      child.stdin.write(text);
    },
    endInput() {
      child.stdin?.end();
    },
    exited,
    waitFor(text, timeoutMs = 120_000) {
      const found = () => (typeof text === "string" ? output.includes(text) : text.test(output));
      return new Promise((resolve, reject) => {
        const finish = (error?: Error) => {
          clearTimeout(timer);
          child.stdout?.off("data", check);
          child.stderr?.off("data", check);
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
        child.stdout?.on("data", check);
        child.stderr?.on("data", check);
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

export interface SpawnPtyOptions extends SpawnNodeOptions {
  /** Terminal size the child sees. Default 80 columns, 24 rows. */
  columns?: number;
  rows?: number;
}

/**
 * Relays between this process's pipes and a pseudo-terminal the child runs in: the child
 * sees a terminal on stdin, stdout and stderr (isTTY, raw mode, Ctrl-C as "\x03", its size).
 * Python's pty module (in /usr/bin/python3 on Debian and Ubuntu) needs no native build, which
 * node-pty does. The relay exits with the child's code (128 + signal when killed).
 */
const PTY_RELAY = `
import fcntl, os, pty, select, struct, sys, termios
cols, rows = int(sys.argv[1]), int(sys.argv[2])
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    os.execvp(sys.argv[3], sys.argv[3:])
inputs = [fd, 0]
while True:
    ready, _, _ = select.select(inputs, [], [])
    if fd in ready:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        os.write(1, data)
    if 0 in ready:
        data = os.read(0, 65536)
        if data:
            os.write(fd, data)
        else:
            inputs = [fd]
status = os.waitpid(pid, 0)[1]
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
`;

/** `node script ...args` in a pseudo-terminal (see PTY_RELAY); write keystrokes with `write`. */
export function spawnPty(script: string, args: string[], options: SpawnPtyOptions): TestChild {
  const python = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
  return track(
    spawn(
      python,
      [
        "-c",
        PTY_RELAY,
        String(options.columns ?? 80),
        String(options.rows ?? 24),
        process.execPath,
        script,
        ...args,
      ],
      { cwd: options.cwd, env: childEnv(options), stdio: ["pipe", "pipe", "pipe"] },
    ),
    `pty ${[basename(script), ...args].join(" ")}`,
  );
}
