import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Debian's python3, which `python3-psycopg2` installs into (a pyenv python3 may lack it). */
const PYTHON = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

const INSTALL =
  "install them with: apt-get update && apt-get install -y postgresql-client python3-psycopg2";

/** Fails (never skips) when psql or psycopg2 is missing, saying how to install them. */
export async function assertClientsInstalled(): Promise<void> {
  try {
    await run("psql", ["--version"]);
  } catch {
    throw new Error(`psql is not installed; ${INSTALL}`);
  }
  try {
    await run(PYTHON, ["-c", "import psycopg2"]);
  } catch {
    throw new Error(
      `python3-psycopg2 is not installed (${PYTHON} cannot import psycopg2); ${INSTALL}`,
    );
  }
}

export interface Output {
  code: number;
  stdout: string;
  stderr: string;
}

async function capture(
  file: string,
  args: string[],
  env: Record<string, string>,
  cwd?: string,
): Promise<Output> {
  try {
    const r = await run(file, args, { env: { ...process.env, ...env }, cwd, timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof e.code === "number" ? e.code : 1,
      stdout: e.stdout ?? "",
      stderr: e.stderr ?? "",
    };
  }
}

/** psql with `commands` as -c arguments (each its own command), unaligned output. */
export function psql(
  env: Record<string, string>,
  commands: string[],
  cwd?: string,
): Promise<Output> {
  return capture(
    "psql",
    ["-X", "-v", "ON_ERROR_STOP=1", ...commands.flatMap((c) => ["-c", c])],
    env,
    cwd,
  );
}

/** A Python script run with psycopg2; libpq reads the connection from `env`. */
export function python(env: Record<string, string>, script: string): Promise<Output> {
  return capture(PYTHON, ["-c", script], env);
}
