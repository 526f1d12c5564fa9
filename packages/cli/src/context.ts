import { resolve } from "node:path";
import { readDevSecret } from "./dev-secret.js";

/** Where a command writes and what it reads: the process's, or a test's. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  cwd: string;
  /** Aborted on Ctrl-C (bin.ts): commands stop, clean up and restore the terminal. */
  signal?: AbortSignal;
}

export function processIo(signal?: AbortSignal): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    ...(signal ? { signal } : {}),
  };
}

export const DEFAULT_DEV_USER = "dev";

export function dataDirOf(io: CliIo, flag?: string): string {
  return resolve(io.cwd, flag ?? io.env.ISA_DATA_DIR ?? "data");
}

/** The HS256 secret of the local stack: ISA_JWT_SECRET, else `<dataDir>/.isa-secret`. */
export async function signingSecretOf(io: CliIo, dataDirFlag?: string): Promise<string> {
  const fromEnv = io.env.ISA_JWT_SECRET?.trim();
  if (fromEnv) return fromEnv;
  const dataDir = dataDirOf(io, dataDirFlag);
  const secret = await readDevSecret(dataDir);
  if (secret === undefined) {
    throw new UsageError(
      `no signing secret in ${dataDir}: run \`isa start\` once (it creates ${dataDir}/.isa-secret), set ISA_JWT_SECRET, or pass --token`,
    );
  }
  return secret;
}

/** A mistake of the caller: printed without a stack, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Writes `text` and waits while the stream is full, so a slow pipe slows the producer. */
export async function writeOut(
  stream: NodeJS.WritableStream,
  text: string | Uint8Array,
): Promise<void> {
  if (stream.write(text)) return;
  await new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      stream.off("drain", ok);
      stream.off("error", done);
      stream.off("close", ok);
      if (err) reject(err);
      else resolve();
    };
    const ok = () => done();
    stream.once("drain", ok);
    stream.once("error", done);
    stream.once("close", ok);
  });
}

/** Ends a command with `code` after it has printed what went wrong (e.g. some files of many failed). */
export class ExitCode extends Error {
  override name = "ExitCode";
  constructor(readonly code: number) {
    super(`exit code ${code}`);
  }
}
