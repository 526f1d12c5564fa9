import { mkdir, rm, stat } from "node:fs/promises";
import { type CliIo, UsageError } from "../context.js";
import { progressBar } from "../progress.js";
import { formatRemote } from "../remote-path.js";
import type { Session } from "../session.js";
import { type Endpoint, type Entry, sameContent } from "../transfer/endpoints.js";
import { type Job, runJobs } from "../transfer/run-jobs.js";
import {
  type CopyFlags,
  copyJob,
  entriesOf,
  printSummary,
  sourceName,
  targetName,
} from "./copy-transfers.js";

export interface MirrorFlags extends CopyFlags {
  delete?: boolean;
  dryRun?: boolean;
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

export async function mirror(
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
