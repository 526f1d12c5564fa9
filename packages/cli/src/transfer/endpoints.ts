import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import type { MinioClient } from "@isa-cloud/minio-client";
import { type CliIo, UsageError } from "../context.js";
import { isRemote, parseRemote, type RemotePath } from "../remote-path.js";

/** A file found under a source: its path relative to the source root ("/" separated) and size. */
export interface Entry {
  rel: string;
  size: number;
  /** Remote entries: the object's ETag. */
  etag?: string;
}

export type Endpoint =
  | { kind: "local"; arg: string; path: string }
  | { kind: "remote"; arg: string; remote: RemotePath };

export function endpointOf(io: CliIo, arg: string): Endpoint {
  if (isRemote(arg)) return { kind: "remote", arg, remote: parseRemote(arg) };
  if (arg === "") throw new UsageError("an empty path: give a file, a folder or isa://bucket/key");
  return { kind: "local", arg, path: resolve(io.cwd, arg) };
}

/** Every file under a local folder, in a stable order. */
export async function* localEntries(root: string): AsyncGenerator<Entry> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
  for (const file of files) {
    const info = await stat(file);
    yield { rel: relative(root, file).split(sep).join("/"), size: info.size };
  }
}

/** The prefix a recursive remote source stands for: "dir" and "dir/" both mean "dir/". */
export function prefixOf(remote: RemotePath): string {
  return remote.key === "" || remote.key.endsWith("/") ? remote.key : `${remote.key}/`;
}

/** Every object under a remote prefix, as entries relative to it. */
export async function* remoteEntries(
  storage: MinioClient,
  remote: RemotePath,
  signal?: AbortSignal,
): AsyncGenerator<Entry> {
  const prefix = prefixOf(remote);
  for await (const item of storage.listObjects(remote.bucket, {
    prefix,
    recursive: true,
    ...(signal ? { signal } : {}),
  })) {
    if (!("key" in item)) continue;
    yield { rel: item.key.slice(prefix.length), size: item.size, etag: item.etag };
  }
}

/** A local path for `rel` under `root` that cannot leave it (a key like "a/../../x"). */
export function localPathUnder(root: string, rel: string): string {
  const path = resolve(root, ...rel.split("/"));
  if (path !== root && !path.startsWith(root + sep)) {
    throw new UsageError(`refusing "${rel}": it would land outside ${root}`);
  }
  return path;
}

/** Part size putFile uses for a file of `size` bytes: 8 MiB, grown to fit 10,000 parts (minio-client's multipart plan). */
function partSizeFor(size: number): number {
  return Math.max(8 * 1024 * 1024, Math.ceil(size / 10_000));
}

/**
 * Whether a local file has the content an ETag says: its MD5 for a plain object, the
 * MD5 of the parts' MD5s with "-N" for one uploaded in N parts (S3's convention).
 */
export async function sameContent(path: string, size: number, etag: string): Promise<boolean> {
  const wanted = etag.replaceAll('"', "").toLowerCase();
  const dash = wanted.indexOf("-");
  if (dash < 0) return (await md5(path, 0, size)).toString("hex") === wanted;
  const parts = Number(wanted.slice(dash + 1));
  const partSize = partSizeFor(size);
  if (Math.ceil(size / partSize) !== parts) return false;
  const digests: Buffer[] = [];
  for (let offset = 0; offset < size; offset += partSize) {
    digests.push(await md5(path, offset, Math.min(partSize, size - offset)));
  }
  return `${createHash("md5").update(Buffer.concat(digests)).digest("hex")}-${parts}` === wanted;
}

async function md5(path: string, start: number, length: number): Promise<Buffer> {
  const hash = createHash("md5");
  if (length === 0) return hash.digest();
  for await (const chunk of createReadStream(path, { start, end: start + length - 1 })) {
    hash.update(chunk as Buffer);
  }
  return hash.digest();
}
