import { join } from "node:path";
import { loadEnvFile } from "@isa-cloud/api";
import { Command, CommanderError } from "commander";
import { ApiError } from "./api-client.js";
import { registerDemo } from "./commands/demo.js";
import { registerQuery } from "./commands/query.js";
import { registerStart } from "./commands/start.js";
import { registerToken } from "./commands/token.js";
import { registerTransfer } from "./commands/transfer.js";
import { type CliIo, processIo, UsageError } from "./context.js";

export const VERSION = "0.1.0";

/** The `isa` command with all its subcommands, writing to `io`. */
export function createProgram(io: CliIo = processIo()): Command {
  const program = new Command("isa")
    .description("isa-cloud: object storage and per-user SQL analytics, and the HTTP API over them")
    .version(VERSION)
    .showHelpAfterError()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .exitOverride();
  registerStart(program, io);
  registerToken(program, io);
  registerTransfer(program, io);
  registerQuery(program, io);
  registerDemo(program, io);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/**
 * Runs `isa` with `argv` (without node and the script) and returns the exit code:
 * 0 done, 1 failed, 2 usage error. Errors are printed as one line, no stack.
 */
export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  // The guide configures services through `.env`; variables already set win.
  loadEnvFile(join(io.cwd, ".env"), io.env);
  const program = createProgram(io);
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here too, with code 0.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof UsageError) {
      io.stderr.write(`isa: ${err.message}\n`);
      return 2;
    }
    if (err instanceof ApiError) {
      io.stderr.write(`isa: ${err.status ? `${err.status} ` : ""}${err.message}\n`);
      return 1;
    }
    io.stderr.write(`isa: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
