import { signToken } from "@isa-cloud/rpc-server";
import type { Command } from "commander";
import { type CliIo, DEFAULT_DEV_USER, signingSecretOf, UsageError } from "../context.js";

export function registerToken(program: Command, io: CliIo): void {
  program
    .command("token")
    .description("print a dev token signed with the local stack's secret")
    .option("-u, --user <id>", "user id (the token's sub)", DEFAULT_DEV_USER)
    .option("--org <id>", "organization id (the token's org)")
    .option("-e, --expires <duration>", 'lifetime, e.g. "15m", "1h", "7d"', "24h")
    .option(
      "-d, --data-dir <dir>",
      "data directory holding .isa-secret (default: $ISA_DATA_DIR or ./data)",
    )
    .addHelpText(
      "after",
      '\nExample:\n  export ISA_TOKEN=$(isa token --user alice)\n  curl -H "Authorization: Bearer $ISA_TOKEN" http://127.0.0.1:8080/api/v1/data/files',
    )
    .action(async (flags: { user: string; org?: string; expires: string; dataDir?: string }) => {
      if (!/^\d+\s*[smhdw]$/.test(flags.expires)) {
        throw new UsageError(
          `--expires must be a number and a unit (s, m, h, d, w), e.g. "1h"; got "${flags.expires}"`,
        );
      }
      const secret = await signingSecretOf(io, flags.dataDir);
      const token = await signToken({
        secret,
        sub: flags.user,
        expiresIn: flags.expires,
        ...(flags.org ? { org: flags.org } : {}),
      });
      io.stdout.write(`${token}\n`);
    });
}
