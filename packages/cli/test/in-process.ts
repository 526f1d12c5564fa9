import { Readable } from "node:stream";
import type { TestStack } from "@isa-cloud/testing";
import { run } from "../src/program.js";
import { memoryIo } from "./memory-io.js";

export interface IsaResult {
  code: number;
  out: string;
  err: string;
}

/**
 * `isa ...args` in this process against `stack`: a profile "test" saved with
 * `isa login` under `<dir>/config` (XDG_CONFIG_HOME), tokens minted from the stack's secret.
 */
export function inProcessIsa(stack: TestStack, cwd: string) {
  const env = () => ({
    XDG_CONFIG_HOME: `${cwd}/config`,
    XDG_STATE_HOME: `${cwd}/state`,
    ISA_JWT_SECRET: stack.secret,
  });
  return {
    env,
    async login(user = "dev"): Promise<IsaResult> {
      return this.run([
        "login",
        "--profile",
        "test",
        "--storage",
        stack.storage.address,
        "--analytics",
        stack.analytics.address,
        "--user",
        user,
      ]);
    },
    async run(
      args: string[],
      options: { env?: Record<string, string>; stdin?: string; signal?: AbortSignal } = {},
    ): Promise<IsaResult> {
      const { io, out, err } = memoryIo({ ...env(), ...options.env }, cwd);
      if (options.stdin !== undefined) io.stdin = Readable.from([options.stdin]);
      if (options.signal) io.signal = options.signal;
      const code = await run(args, io);
      return { code, out: out(), err: err() };
    },
  };
}
