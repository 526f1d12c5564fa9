import { mkdir, rm, stat } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { pipeline } from "node:stream/promises";
import type { Command } from "commander";
import type { ClientFlags } from "../config/settings.js";
import { type CliIo, ExitCode, UsageError } from "../context.js";
import { localDestination } from "../output/target.js";
import { formatBytes, progressBar } from "../progress.js";
import { checkKey, formatRemote, joinKey, REMOTE_SCHEME, type RemotePath } from "../remote-path.js";
import { openSession, type Session } from "../session.js";
import {
  type Endpoint,
  type Entry,
  endpointOf,
  localEntries,
  localPathUnder,
  prefixOf,
  remoteEntries,
  sameContent,
} from "../transfer/endpoints.js";
import { type Job, type JobsResult, runJobs } from "../transfer/run-jobs.js";
import { examples, withClientOptions } from "./client-options.js";

interface CopyFlags extends ClientFlags {
  recursive?: boolean;
  jobs: number;
}

interface MirrorFlags extends CopyFlags {
  delete?: boolean;
  dryRun?: boolean;
}

function parseJobs(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new UsageError(`--jobs takes 1 to 64, got "${text}"`);
  return n;
}

/** A job copying one file from `src` to `dst`, whichever side each is on. */
function copyJob(
  session: Session,
  src: Endpoint,
  dst: Endpoint,
  entry: Entry,
  srcName: string,
  dstName: string,
): Job {
  const srcLabel =
    src.kind === "local" ? srcName : formatRemote({ bucket: src.remote.bucket, key: srcName });
  const dstLabel =
    dst.kind === "local" ? dstName : formatRemote({ bucket: dst.remote.bucket, key: dstName });
  return {
    label: `${srcLabel} -> ${dstLabel}`,
    bytes: entry.size,
    async run(advance, signal) {
      let last = 0;
      const onProgress = ({ bytes }: { bytes: number }) => {
        advance(bytes - last);
        last = bytes;
      };
      const storage = session.storage();
      if (src.kind === "local" && dst.kind === "remote") {
        await storage.putFile(dst.remote.bucket, dstName, srcName, { onProgress, signal });
      } else if (src.kind === "remote" && dst.kind === "local") {
        await mkdir(dirname(dstName), { recursive: true });
        await storage.downloadToFile(src.remote.bucket, srcName, dstName, { onProgress, signal });
      } else if (src.kind === "remote" && dst.kind === "remote") {
        await storage.copyObject(
          { bucket: src.remote.bucket, key: srcName },
          { bucket: dst.remote.bucket, key: dstName },
          { signal },
        );
      } else {
        throw new UsageError("both paths are local: use cp");
      }
      // A server-side copy reports nothing as it goes, and the last progress event of a
      // transfer may come before its last bytes: count the rest now.
      if (last < entry.size) advance(entry.size - last);
    },
  };
}

/** Where `rel` (a source-relative path) goes under the destination. */
function targetName(dst: Endpoint, rel: string): string {
  if (dst.kind === "local") return localPathUnder(dst.path, rel);
  return checkKey(joinKey(dst.remote.key, rel), `${dst.arg} + ${rel}`);
}

function sourceName(src: Endpoint, rel: string): string {
  if (src.kind === "local") return rel === "" ? src.path : localPathUnder(src.path, rel);
  return rel === "" ? src.remote.key : `${prefixOf(src.remote)}${rel}`;
}

async function* entriesOf(
  session: Session,
  src: Endpoint,
  signal?: AbortSignal,
): AsyncGenerator<Entry> {
  if (src.kind === "local") yield* localEntries(src.path);
  else yield* remoteEntries(session.storage(), src.remote, signal);
}

function printSummary(io: CliIo, verb: string, result: JobsResult, flags: ClientFlags): number {
  const seconds = Math.max(result.ms / 1000, 0.001);
  if (!flags.quiet) {
    io.stdout.write(
      `${verb} ${result.done} file${result.done === 1 ? "" : "s"} (${formatBytes(result.bytes)}) in ${seconds.toFixed(1)} s: ${(result.done / seconds).toFixed(0)} files/s, ${formatBytes(result.bytes / seconds)}/s\n`,
    );
  }
  for (const failure of result.failed)
    io.stderr.write(`isa: failed ${failure.label}: ${failure.error}\n`);
  if (result.failed.length > 0) {
    io.stderr.write(
      `isa: ${result.failed.length} of ${result.failed.length + result.done} failed\n`,
    );
    return 1;
  }
  return 0;
}

/** Copies one file or object; `-` as the destination writes it to stdout. */
async function copyOne(
  io: CliIo,
  session: Session,
  src: Endpoint,
  dst: Endpoint | "-",
  flags: CopyFlags,
): Promise<void> {
  if (src.kind === "local") {
    const info = await stat(src.path).catch(() => undefined);
    if (!info) throw new UsageError(`${src.arg} does not exist`);
    if (info.isDirectory())
      throw new UsageError(`${src.arg} is a folder: use -r to copy what is in it`);
    if (dst === "-") throw new UsageError("a local file to stdout: use cat");
    if (dst.kind === "local") throw new UsageError("both paths are local: use cp");
    const key =
      dst.remote.key === "" || dst.remote.key.endsWith("/")
        ? checkKey(joinKey(dst.remote.key, basename(src.path)), dst.arg)
        : dst.remote.key;
    await runSingle(
      io,
      flags,
      copyJob(session, src, dst, { rel: "", size: info.size }, src.path, key),
    );
    return;
  }
  if (src.remote.key === "" || src.remote.key.endsWith("/")) {
    throw new UsageError(`${src.arg} names a folder: use -r to copy what is under it`);
  }
  const storage = session.storage();
  if (dst === "-") {
    const { stream } = await storage.getObjectStream(
      src.remote.bucket,
      src.remote.key,
      io.signal ? { signal: io.signal } : {},
    );
    await pipeline(stream, io.stdout, { end: false });
    return;
  }
  const info = await storage.statObject(src.remote.bucket, src.remote.key);
  const name = basename(src.remote.key);
  const target =
    dst.kind === "local"
      ? await localDestination(io, dst.arg, name)
      : dst.remote.key === "" || dst.remote.key.endsWith("/")
        ? checkKey(joinKey(dst.remote.key, name), dst.arg)
        : dst.remote.key;
  await runSingle(
    io,
    flags,
    copyJob(session, src, dst, { rel: "", size: info.size }, src.remote.key, target),
  );
}

/** One transfer with its own bar; its error is the command's (a missing object, a bad name). */
async function runSingle(io: CliIo, flags: ClientFlags, job: Job): Promise<void> {
  const progress = progressBar(io, "copy", flags);
  progress.grow(job.bytes, 1);
  try {
    await job.run((bytes) => progress.advance(bytes), io.signal ?? new AbortController().signal);
  } finally {
    progress.stop();
  }
  if (!flags.quiet) io.stdout.write(`${job.label} (${formatBytes(job.bytes)})\n`);
}

async function copyMany(
  io: CliIo,
  session: Session,
  src: Endpoint,
  dst: Endpoint,
  flags: CopyFlags,
): Promise<number> {
  if (src.kind === "local") {
    const info = await stat(src.path).catch(() => undefined);
    if (!info) throw new UsageError(`${src.arg} does not exist`);
    if (!info.isDirectory()) return copyOne(io, session, src, dst, flags).then(() => 0);
  }
  if (src.kind === "local" && dst.kind === "local")
    throw new UsageError("both paths are local: use cp -r");
  if (dst.kind === "local") await mkdir(dst.path, { recursive: true });
  async function* jobs(): AsyncGenerator<Job> {
    for await (const entry of entriesOf(session, src, io.signal)) {
      yield copyJob(
        session,
        src,
        dst,
        entry,
        sourceName(src, entry.rel),
        targetName(dst, entry.rel),
      );
    }
  }
  const progress = progressBar(io, "copy", flags, { files: true });
  const result = await runJobs(jobs(), {
    concurrency: flags.jobs,
    progress,
    ...(io.signal ? { signal: io.signal } : {}),
  });
  return printSummary(io, "copied", result, flags);
}

/** The destination's files: size and, for objects, ETag; missing destination = empty. */
async function destinationIndex(session: Session, dst: Endpoint): Promise<Map<string, Entry>> {
  const index = new Map<string, Entry>();
  if (dst.kind === "local" && !(await stat(dst.path).catch(() => undefined))) return index;
  if (dst.kind === "remote" && !(await session.storage().bucketExists(dst.remote.bucket)))
    return index;
  for await (const entry of entriesOf(session, dst)) index.set(entry.rel, entry);
  return index;
}

async function unchanged(
  src: Endpoint,
  dst: Endpoint,
  from: Entry,
  to: Entry | undefined,
  srcName: string,
  dstName: string,
): Promise<boolean> {
  if (!to || to.size !== from.size) return false;
  if (from.etag && to.etag) return from.etag === to.etag;
  if (src.kind === "local" && to.etag) return sameContent(srcName, from.size, to.etag);
  if (dst.kind === "local" && from.etag) return sameContent(dstName, to.size, from.etag);
  return false;
}

async function mirror(
  io: CliIo,
  session: Session,
  src: Endpoint,
  dst: Endpoint,
  flags: MirrorFlags,
): Promise<number> {
  if (src.kind === "local" && dst.kind === "local")
    throw new UsageError("both paths are local: use rsync");
  if (src.kind === "local" && !(await stat(src.path).catch(() => undefined))?.isDirectory()) {
    throw new UsageError(`${src.arg} is not a folder`);
  }
  const existing = await destinationIndex(session, dst);
  const plan: Job[] = [];
  let same = 0;
  // Hashing local files is the slow part of a mirror with nothing to do: compare
  // `flags.jobs` entries at a time, in order.
  let batch: Array<Promise<Job | undefined>> = [];
  const settle = async () => {
    for (const job of await Promise.all(batch)) {
      if (job) plan.push(job);
      else same += 1;
    }
    batch = [];
  };
  for await (const entry of entriesOf(session, src, io.signal)) {
    const from = sourceName(src, entry.rel);
    const to = targetName(dst, entry.rel);
    const there = existing.get(entry.rel);
    existing.delete(entry.rel);
    batch.push(
      unchanged(src, dst, entry, there, from, to).then((same) =>
        same ? undefined : copyJob(session, src, dst, entry, from, to),
      ),
    );
    if (batch.length >= flags.jobs * 4) await settle();
  }
  await settle();
  const extra = flags.delete ? [...existing.keys()] : [];
  if (flags.dryRun) {
    for (const job of plan) io.stdout.write(`would copy ${job.label}\n`);
    for (const rel of extra)
      io.stdout.write(
        `would delete ${dst.kind === "local" ? targetName(dst, rel) : formatRemote({ bucket: dst.remote.bucket, key: targetName(dst, rel) })}\n`,
      );
    io.stdout.write(
      `${plan.length} to copy, ${extra.length} to delete, ${same} unchanged (dry run: nothing done)\n`,
    );
    return 0;
  }
  const progress = progressBar(io, "mirror", flags, { files: true });
  if (dst.kind === "local") await mkdir(dst.path, { recursive: true });
  const result = await runJobs(plan, {
    concurrency: flags.jobs,
    progress,
    ...(io.signal ? { signal: io.signal } : {}),
  });
  let deleteFailed = 0;
  if (extra.length > 0) {
    if (dst.kind === "remote") {
      const { errors } = await session.storage().deleteObjects(
        dst.remote.bucket,
        extra.map((rel) => targetName(dst, rel)),
      );
      for (const e of errors) io.stderr.write(`isa: cannot delete ${e.key}: ${e.message}\n`);
      deleteFailed = errors.length;
    } else {
      for (const rel of extra) await rm(targetName(dst, rel), { force: true });
    }
  }
  const code = printSummary(io, "mirrored", result, flags);
  if (!flags.quiet) io.stdout.write(`${same} unchanged, ${extra.length - deleteFailed} deleted\n`);
  return deleteFailed > 0 ? 1 : code;
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
