import { existsSync } from "node:fs";
import { join } from "node:path";
import { IsaError, ServiceUnavailableError } from "@isa-cloud/minio-client";
import { Command, CommanderError } from "commander";
import { ApiError } from "./api-call.js";
import { registerCompletion } from "./commands/completion.js";
import { registerConfig } from "./commands/config.js";
import { registerCopy } from "./commands/copy.js";
import { registerDemo } from "./commands/demo.js";
import { registerImportExport } from "./commands/import-export.js";
import { registerQuery } from "./commands/query.js";
import { registerSql } from "./commands/sql.js";
import { registerStart } from "./commands/start.js";
import { registerStorage } from "./commands/storage.js";
import { registerToken } from "./commands/token.js";
import { type CliIo, ExitCode, processIo, UsageError } from "./context.js";
import { closeSessions, sessionsOf } from "./session.js";

export const VERSION = "0.1.0";

/** The `isa` command with all its subcommands, writing to `io`. */
export function createProgram(io: CliIo = processIo()): Command {
  const program = new Command("isa")
    .description(
      "isa-cloud: object storage and per-user SQL analytics over gRPC. Remote paths are isa://bucket/key.",
    )
    .version(VERSION)
    .showHelpAfterError()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .exitOverride()
    .addHelpText(
      "after",
      `
Examples:
  isa start                          # the stack; writes the "local" profile
  isa cp events.csv isa://data/raw/  # upload
  isa import events.csv              # into table events
  isa query "SELECT count(*) FROM events"
  isa sql                            # interactive shell`,
    );
  registerStart(program, io);
  registerConfig(program, io);
  registerToken(program, io);
  registerStorage(program, io);
  registerCopy(program, io);
  registerQuery(program, io);
  registerSql(program, io);
  registerImportExport(program, io);
  registerDemo(program, io);
  registerCompletion(program, io);
  const override = (command: Command) => {
    command.exitOverride();
    command.commands.forEach(override);
  };
  override(program);
  return program;
}

/** Exit code of a command stopped by Ctrl-C, as a shell reports SIGINT. */
export const INTERRUPTED = 130;

/**
 * Runs `isa` with `argv` (without node and the script) and returns the exit code:
 * 0 done, 1 failed, 2 usage error, 130 interrupted. Errors are printed as one line, no stack.
 */
export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  // The guide configures services through `.env`; variables already set win. The API's
  // reader is loaded only when there is a file to read (it brings Fastify along).
  const envFile = join(io.cwd, ".env");
  if (existsSync(envFile)) (await import("@isa-cloud/api")).loadEnvFile(envFile, io.env);
  const program = createProgram(io);
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (err) {
    return report(io, err);
  } finally {
    closeSessions(io);
  }
}

function report(io: CliIo, err: unknown): number {
  const say = (line: string) => io.stderr.write(`isa: ${line}\n`);
  if (io.signal?.aborted) {
    say("interrupted; nothing was left half written");
    return INTERRUPTED;
  }
  if (err instanceof CommanderError) {
    // --help and --version end here too, with code 0.
    return err.exitCode === 0 ? 0 : 2;
  }
  if (err instanceof ExitCode) return err.code;
  if (err instanceof UsageError) {
    say(err.message);
    return 2;
  }
  if (err instanceof ApiError) {
    say(`${err.status ? `${err.status} ` : ""}${err.message}`);
    return 1;
  }
  if (err instanceof ServiceUnavailableError) {
    const settings = sessionsOf(io).at(-1)?.settings;
    const analytics = err.path.includes("duckdb");
    const where = settings ? (analytics ? settings.analytics : settings.storage) : undefined;
    say(
      `cannot reach ${analytics ? "analytics" : "storage"}${where ? ` at ${where.value} (${where.source})` : ""}: is \`isa start\` running? \`isa config show\` says where commands go`,
    );
    return 1;
  }
  if (err instanceof IsaError) {
    say(`${err.name.replace(/Error$/, "")}: ${err.details}`);
    return 1;
  }
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT" || code === "EACCES" || code === "EISDIR" || code === "ENOTDIR") {
    say(`${(err as Error).message.replace(/^\w+: /, "")}`);
    return 1;
  }
  say(err instanceof Error ? err.message : String(err));
  return 1;
}
