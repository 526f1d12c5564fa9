import { mkdir, stat } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { pipeline } from "node:stream/promises";
import type { ClientFlags } from "../config/settings.js";
import { type CliIo, UsageError } from "../context.js";
import { localDestination } from "../output/target.js";
import { formatBytes, progressBar } from "../progress.js";
import { checkKey, formatRemote, joinKey } from "../remote-path.js";
import type { Session } from "../session.js";
import {
  type Endpoint,
  type Entry,
  localEntries,
  localPathUnder,
  prefixOf,
  remoteEntries,
} from "../transfer/endpoints.js";
import { type Job, type JobsResult, runJobs } from "../transfer/run-jobs.js";

export interface CopyFlags extends ClientFlags {
  recursive?: boolean;
  jobs: number;
}

/** A job copying one file from `src` to `dst`, whichever side each is on. */
export function copyJob(
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
export function targetName(dst: Endpoint, rel: string): string {
  if (dst.kind === "local") return localPathUnder(dst.path, rel);
  return checkKey(joinKey(dst.remote.key, rel), `${dst.arg} + ${rel}`);
}

export function sourceName(src: Endpoint, rel: string): string {
  if (src.kind === "local") return rel === "" ? src.path : localPathUnder(src.path, rel);
  return rel === "" ? src.remote.key : `${prefixOf(src.remote)}${rel}`;
}

export async function* entriesOf(
  session: Session,
  src: Endpoint,
  signal?: AbortSignal,
): AsyncGenerator<Entry> {
  if (src.kind === "local") yield* localEntries(src.path);
  else yield* remoteEntries(session.storage(), src.remote, signal);
}

export function printSummary(
  io: CliIo,
  verb: string,
  result: JobsResult,
  flags: ClientFlags,
): number {
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
export async function copyOne(
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

export async function copyMany(
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
