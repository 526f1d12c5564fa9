import { stat } from "node:fs/promises";
import { basename, resolve } from "node:path";
import type { Command } from "commander";
import { ApiClient } from "../api-client.js";
import { apiUrlOf, type ClientFlags, type CliIo, tokenOf, UsageError } from "../context.js";
import { formatBytes, transferProgress } from "../progress.js";

/** --api, --token, --user and --data-dir, shared by the commands that call the API. */
export function withClientOptions(command: Command): Command {
  return command
    .option("--api <url>", "API base URL (default: $ISA_API_URL or http://127.0.0.1:8080)")
    .option("-t, --token <jwt>", "bearer token (default: $ISA_TOKEN, else a dev token for --user)")
    .option("-u, --user <id>", "user of the minted dev token", "dev")
    .option(
      "-d, --data-dir <dir>",
      "data directory holding .isa-secret (default: $ISA_DATA_DIR or ./data)",
    );
}

export async function clientOf(io: CliIo, flags: ClientFlags): Promise<ApiClient> {
  return new ApiClient(apiUrlOf(io, flags), await tokenOf(io, flags));
}

export function registerTransfer(program: Command, io: CliIo): void {
  withClientOptions(
    program
      .command("upload")
      .description("upload a local file to your files (streamed, with a progress bar)")
      .argument("<file>", "local file")
      .argument("[name]", "name to store it under (default: the file's name)"),
  ).action(async (file: string, name: string | undefined, flags: ClientFlags) => {
    const path = resolve(io.cwd, file);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) throw new UsageError(`${file} is not a file`);
    const client = await clientOf(io, flags);
    const bar = transferProgress("upload", io.stderr as NodeJS.WriteStream);
    try {
      const stored = await client.upload(path, name ?? basename(path), (p) => bar.update(p));
      bar.stop();
      io.stdout.write(`stored ${stored.key} (${formatBytes(stored.size)}, etag ${stored.etag})\n`);
    } finally {
      bar.stop();
    }
  });

  withClientOptions(
    program
      .command("download")
      .description("download one of your files (streamed, with a progress bar)")
      .argument("<name>", "stored name, e.g. reports/daily_summary_2024-01-15.json")
      .argument("[dest]", "local path (default: the name's last part in the current directory)"),
  ).action(async (name: string, dest: string | undefined, flags: ClientFlags) => {
    const path = resolve(io.cwd, dest ?? basename(name));
    const client = await clientOf(io, flags);
    const bar = transferProgress("download", io.stderr as NodeJS.WriteStream);
    try {
      const { size } = await client.download(name, path, (p) => bar.update(p));
      bar.stop();
      io.stdout.write(`saved ${path} (${formatBytes(size)})\n`);
    } finally {
      bar.stop();
    }
  });
}
