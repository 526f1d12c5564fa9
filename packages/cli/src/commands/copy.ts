import { basename } from "node:path";
import type { Command } from "commander";
import type { ClientFlags } from "../config/settings.js";
import { type CliIo, ExitCode, UsageError } from "../context.js";
import { checkKey, REMOTE_SCHEME, type RemotePath } from "../remote-path.js";
import { openSession, type Session } from "../session.js";
import { endpointOf } from "../transfer/endpoints.js";
import { examples, withClientOptions } from "./client-options.js";
import { type CopyFlags, copyMany, copyOne } from "./copy-transfers.js";
import { type MirrorFlags, mirror } from "./mirror.js";

function parseJobs(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new UsageError(`--jobs takes 1 to 64, got "${text}"`);
  return n;
}

export function registerCopy(program: Command, io: CliIo): void {
  const jobsOption = ["-j, --jobs <n>", "files in flight at once (1-64)", parseJobs, 8] as const;
  withClientOptions(
    program
      .command("cp")
      .description(
        `copy files and objects: local <-> ${REMOTE_SCHEME}bucket/key, or between objects`,
      )
      .argument(
        "<source>",
        `a local path or ${REMOTE_SCHEME}bucket/key (a folder or prefix with -r)`,
      )
      .argument(
        "<destination>",
        `a local path, - for stdout, or ${REMOTE_SCHEME}bucket/key (ending in / for "into")`,
      )
      .option("-r, --recursive", "copy everything under a folder or prefix")
      .option(...jobsOption)
      .addHelpText(
        "after",
        examples(
          `isa cp events.csv ${REMOTE_SCHEME}data/raw/`,
          `isa cp -r ./exports ${REMOTE_SCHEME}data/exports`,
          `isa cp ${REMOTE_SCHEME}data/raw/events.csv -   # to stdout`,
        ),
      ),
  ).action(async (source: string, destination: string, flags: CopyFlags) => {
    const src = endpointOf(io, source);
    const dst = destination === "-" ? "-" : endpointOf(io, destination);
    const session = await openSession(io, flags);
    if (flags.recursive) {
      if (dst === "-") throw new UsageError("-r cannot write to stdout: give a folder or a prefix");
      const code = await copyMany(io, session, src, dst, flags);
      if (code !== 0) throw new ExitCode(code);
    } else {
      await copyOne(io, session, src, dst, flags);
    }
  });

  withClientOptions(
    program
      .command("mirror")
      .alias("sync")
      .description(
        "make the destination hold what the source holds, copying only what changed (size, ETag/MD5)",
      )
      .argument("<source>", `a local folder or ${REMOTE_SCHEME}bucket/prefix`)
      .argument("<destination>", `a local folder or ${REMOTE_SCHEME}bucket/prefix`)
      .option("--delete", "also delete what the destination has and the source does not")
      .option("-n, --dry-run", "print what would be copied and deleted, do nothing")
      .option(...jobsOption)
      .addHelpText(
        "after",
        examples(
          `isa mirror ./site ${REMOTE_SCHEME}data/site --delete`,
          `isa mirror ${REMOTE_SCHEME}data/site ./backup --dry-run`,
        ),
      ),
  ).action(async (source: string, destination: string, flags: MirrorFlags) => {
    const src = endpointOf(io, source);
    const dst = endpointOf(io, destination);
    const session = await openSession(io, flags);
    const code = await mirror(io, session, src, dst, flags);
    if (code !== 0) throw new ExitCode(code);
  });

  withClientOptions(
    program
      .command("upload")
      .description("upload a local file to your files (the profile's bucket, default data)")
      .argument("<file>", "local file")
      .argument("[name]", "name to store it under (default: the file's name)")
      .addHelpText("after", examples("isa upload events.csv raw/events.csv")),
  ).action(async (file: string, name: string | undefined, flags: ClientFlags) => {
    const session = await openSession(io, flags);
    const bucket = session.settings.bucket.value!;
    const key = name === undefined ? basename(file) : checkKey(name);
    await ensureBucket(session, bucket);
    await copyOne(
      io,
      session,
      endpointOf(io, file),
      { kind: "remote", arg: key, remote: { bucket, key } },
      { ...flags, jobs: 1 },
    );
  });

  withClientOptions(
    program
      .command("download")
      .description("download one of your files (- writes it to stdout)")
      .argument("<name>", "stored name, e.g. reports/daily_summary_2024-01-15.json")
      .argument(
        "[dest]",
        "local file or folder, or - for stdout (default: the name's last part here)",
      )
      .addHelpText(
        "after",
        examples(
          "isa download reports/daily_summary_2024-01-15.json",
          "isa download raw/events.csv - | head",
        ),
      ),
  ).action(async (name: string, dest: string | undefined, flags: ClientFlags) => {
    const session = await openSession(io, flags);
    const remote: RemotePath = { bucket: session.settings.bucket.value!, key: checkKey(name) };
    const dst = dest === "-" ? "-" : endpointOf(io, dest ?? basename(name));
    await copyOne(io, session, { kind: "remote", arg: name, remote }, dst, { ...flags, jobs: 1 });
  });
}

/** Creates the user's bucket on first upload, as the data service does. */
export async function ensureBucket(session: Session, bucket: string): Promise<void> {
  if (await session.storage().bucketExists(bucket)) return;
  await session
    .storage()
    .createBucket(bucket)
    .catch((err: unknown) => {
      if (!(err instanceof Error && err.name === "AlreadyExistsError")) throw err;
    });
}
