import { PassThrough } from "node:stream";
import type { CliIo } from "../src/context.js";

/** An in-memory CliIo for tests: what a command printed, and an environment of its own. */
export function memoryIo(env: Record<string, string | undefined> = {}, cwd = process.cwd()) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  stderr.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  const io: CliIo = { stdout, stderr, env, cwd };
  return { io, out: () => out, err: () => err };
}
