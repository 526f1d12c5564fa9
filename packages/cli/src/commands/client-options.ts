import type { Command } from "commander";

/** Endpoint, identity and output flags of every client command (precedence: flag > env > profile). */
export function withClientOptions(command: Command): Command {
  return command
    .option("-P, --profile <name>", "profile to use (default: $ISA_PROFILE or the current one)")
    .option(
      "--storage <host:port>",
      "storage gRPC address (default: $ISA_STORAGE_ADDRESS, the profile, 127.0.0.1:50051)",
    )
    .option(
      "--analytics <host:port>",
      "analytics gRPC address (default: $ISA_ANALYTICS_ADDRESS, the profile, 127.0.0.1:50052)",
    )
    .option(
      "-t, --token <jwt>",
      "bearer token (default: $ISA_TOKEN, the profile's, else a dev token)",
    )
    .option("-u, --user <id>", "act as this user with a dev token minted from the stack's secret")
    .option(
      "-d, --data-dir <dir>",
      "data directory holding .isa-secret (default: $ISA_DATA_DIR or ./data)",
    )
    .option("-q, --quiet", "print nothing but results and errors")
    .option("--no-progress", "no progress bar");
}

/** An example block for --help. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  ${line}`).join("\n")}`;
}
