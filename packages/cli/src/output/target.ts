import { createWriteStream } from "node:fs";
import { rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { finished } from "node:stream/promises";
import { type CliIo, UsageError } from "../context.js";

/** Where output goes: stdout, or a file that appears only once it is complete. */
export interface OutputTarget {
  stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** The file written, undefined for stdout. */
  path: string | undefined;
  /** Renames the temporary file into place. */
  commit(): Promise<void>;
  /** Removes the temporary file: a failed or interrupted write leaves nothing. */
  discard(): Promise<void>;
}

/**
 * `-` or no path: stdout. A path: a temporary file beside it (same file system, so the
 * rename is atomic) renamed into place by `commit`. A directory gets `defaultName` inside it.
 */
export async function openOutput(
  io: CliIo,
  path: string | undefined,
  defaultName?: string,
): Promise<OutputTarget> {
  if (path === undefined || path === "-") {
    return { stream: io.stdout, path: undefined, commit: async () => {}, discard: async () => {} };
  }
  const file = await localDestination(io, path, defaultName);
  const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.${Date.now()}.part`);
  const stream = createWriteStream(temporary, { flags: "wx" });
  const opened = new Promise<void>((ok, fail) => {
    stream.once("open", () => ok());
    stream.once("error", fail);
  });
  await opened;
  return {
    stream,
    path: file,
    async commit() {
      stream.end();
      await finished(stream);
      await rename(temporary, file);
    },
    async discard() {
      stream.destroy();
      await rm(temporary, { force: true });
    },
  };
}

/**
 * The file a local destination names: `path` itself, or `path/defaultName` when it is a
 * directory or ends in "/". A missing parent directory is a usage error naming it (not
 * an ENOENT naming a temporary file).
 */
export async function localDestination(
  io: CliIo,
  path: string,
  defaultName?: string,
): Promise<string> {
  let file = resolve(io.cwd, path);
  const info = await stat(file).catch(() => undefined);
  if (info?.isDirectory() || path.endsWith("/")) {
    if (!defaultName) throw new UsageError(`${path} is a directory: give a file name`);
    if (!info)
      throw new UsageError(`${path} does not exist: create the folder first (mkdir -p ${path})`);
    file = join(file, defaultName);
  }
  const parent = dirname(file);
  const parentInfo = await stat(parent).catch(() => undefined);
  if (!parentInfo?.isDirectory()) {
    throw new UsageError(
      `cannot write ${path}: the folder ${parent} does not exist (create it with mkdir -p)`,
    );
  }
  return file;
}
