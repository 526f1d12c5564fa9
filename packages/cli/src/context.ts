import { resolve } from "node:path";
import { signToken } from "@isa-cloud/rpc-server";
import { readDevSecret } from "./dev-secret.js";

/** Where a command writes and what it reads: the process's, or a test's. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  cwd: string;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

export interface ClientFlags {
  api?: string;
  token?: string;
  user?: string;
  dataDir?: string;
}

export const DEFAULT_API_URL = "http://127.0.0.1:8080";
export const DEFAULT_DEV_USER = "dev";

export function dataDirOf(io: CliIo, flag?: string): string {
  return resolve(io.cwd, flag ?? io.env.ISA_DATA_DIR ?? "data");
}

/** The API's base URL: --api, ISA_API_URL, else the local default. */
export function apiUrlOf(io: CliIo, flags: ClientFlags): string {
  return flags.api ?? io.env.ISA_API_URL ?? DEFAULT_API_URL;
}

/**
 * The bearer token for client commands: --token, ISA_TOKEN, else a dev token for
 * --user minted with the local stack's secret (ISA_JWT_SECRET or <data>/.isa-secret).
 */
export async function tokenOf(io: CliIo, flags: ClientFlags): Promise<string> {
  const given = flags.token ?? io.env.ISA_TOKEN;
  if (given) return given;
  const secret = await signingSecretOf(io, flags.dataDir);
  return signToken({ secret, sub: flags.user ?? DEFAULT_DEV_USER, expiresIn: "1h" });
}

/** The HS256 secret of the local stack. */
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
