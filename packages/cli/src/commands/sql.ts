import type { Command } from "commander";
import type { ClientFlags } from "../config/settings.js";
import { type CliIo, ExitCode } from "../context.js";
import { openSession } from "../session.js";
import { runShell } from "../sql/shell.js";
import { examples, withClientOptions } from "./client-options.js";

export function registerSql(program: Command, io: CliIo): void {
  withClientOptions(
    program
      .command("sql")
      .description(
        "interactive SQL shell on your analytics database (.help inside lists its commands)",
      )
      .addHelpText(
        "after",
        examples(
          "isa sql",
          "isa sql < script.sql        # statements from a file, results on stdout",
        ),
      ),
  ).action(async (flags: ClientFlags) => {
    const session = await openSession(io, flags);
    const code = await runShell(io, session);
    if (code !== 0) throw new ExitCode(code);
  });
}
