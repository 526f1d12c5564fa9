import { createHash, randomUUID } from "node:crypto";
import { constants } from "node:fs";
import {
  copyFile,
  type FileHandle,
  link,
  mkdir,
  open,
  readdir,
  rename,
  rmdir,
  unlink,
} from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { ServerError, Status } from "nice-grpc";
import type { BucketLocation } from "../../tenant.js";
import { type ByteRange, resolveRange } from "../../validation.js";
import type { CopyInput, PutInput, ReadChunking, StoredObject } from "../backend.js";
import type { ObjectOperations } from "../composed-backend.js";
import { type StagedFile, stageBody, stagedFile } from "../staged-file.js";
import { requireBucket } from "./buckets.js";
import type { FsContext } from "./context.js";
import { errnoCode, fsyncPath, ignoreMissing, isMissing } from "./files.js";
import { DATA_PREFIX, META_FILE, type ObjectRecord } from "./layout.js";
import { rangeReader } from "./range-reader.js";
import { takeSmallBody } from "./small-body.js";
import { type BucketCache, readRecord } from "./tree-cache.js";

/** Read size of reads that bring no chunking of their own. */
export const READ_CHUNK = 1024 * 1024;
const DEFAULT_CHUNKING: ReadChunking = { chunkBytes: READ_CHUNK, alloc: Buffer.allocUnsafe };
/** How often a reader retries when an overwrite removes the data file between sidecar and open. */
const READ_ATTEMPTS = 5;

/** Objects as a sidecar and an immutable data file; see the README's "Filesystem backend". */
export class FsObjects implements ObjectOperations {
  constructor(private readonly fs: FsContext) {}

  private bucketCache(loc: BucketLocation): BucketCache {
    return this.fs.cache.bucket(this.fs.layout.bucketKey(loc));
  }

  async put(
    loc: BucketLocation,
    key: string,
    body: AsyncIterable<Uint8Array>,
    input: PutInput,
  ): Promise<StoredObject> {
    const { tmp } = this.fs.layout;
    this.fs.layout.objectDir(loc, key); // refuse an unstorable key before reading the body
    const taken = await takeSmallBody(body);
    if ("whole" in taken) {
      // Data and sidecar staged (written, fsynced) at once; see small-body.ts.
      const hash = createHash("md5");
      for (const chunk of taken.whole) hash.update(chunk);
      const record: ObjectRecord = {
        key,
        size: taken.size,
        etag: hash.digest("hex"),
        contentType: input.contentType,
        metadata: input.metadata,
        ownerId: input.ownerId,
        lastModified: new Date().toISOString(),
        data: `${DATA_PREFIX}${randomUUID()}`,
      };
      const [staged, sidecar] = await Promise.allSettled([
        stageBody(tmp, taken.whole),
        stageBody(tmp, [Buffer.from(JSON.stringify(record))]),
      ]);
      if (staged.status === "rejected" || sidecar.status === "rejected") {
        if (staged.status === "fulfilled") await staged.value.discard();
        if (sidecar.status === "fulfilled") await sidecar.value.discard();
        throw staged.status === "rejected"
          ? staged.reason
          : (sidecar as PromiseRejectedResult).reason;
      }
      return this.commit(loc, key, staged.value, record, { record, sidecar: sidecar.value });
    }
    const staged = await stageBody(tmp, taken.rest);
    return this.commit(loc, key, staged, {
      size: staged.size,
      etag: staged.md5,
      contentType: input.contentType,
      metadata: input.metadata,
      ownerId: input.ownerId,
    });
  }

  async stat(loc: BucketLocation, key: string): Promise<StoredObject | undefined> {
    const record = await readRecord(this.bucketCache(loc), this.fs.layout.objectDir(loc, key));
    return record && toStored(record);
  }

  async get(
    loc: BucketLocation,
    key: string,
    want: { offset: number; length: number },
    chunking: ReadChunking = DEFAULT_CHUNKING,
  ): Promise<{ info: StoredObject; range: ByteRange; body: Readable } | undefined> {
    const dir = this.fs.layout.objectDir(loc, key);
    const cache = this.bucketCache(loc);
    for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
      const record = await readRecord(cache, dir);
      if (!record) return undefined;
      const range = resolveRange(record.size, want.offset, want.length);
      let handle: FileHandle;
      try {
        handle = await open(join(dir, record.data), "r");
      } catch (err) {
        if (isMissing(err)) continue; // overwritten between the two reads: read the new sidecar
        throw err;
      }
      if (range.end === range.start) {
        await handle.close();
        return { info: toStored(record), range, body: Readable.from([]) };
      }
      return { info: toStored(record), range, body: rangeReader(handle, range, chunking) };
    }
    throw new ServerError(
      Status.ABORTED,
      `object ${JSON.stringify(key)} kept changing while being opened; retry`,
    );
  }

  async delete(loc: BucketLocation, key: string): Promise<void> {
    const { layout } = this.fs;
    const dir = layout.objectDir(loc, key);
    await this.fs.bucketLocks.shared(layout.bucketKey(loc), () =>
      this.fs.keyLocks.run(dir, async () => {
        await unlink(join(dir, META_FILE)).catch(ignoreMissing);
        const cache = this.bucketCache(loc);
        cache.setRecord(dir, null);
        await removeDataFiles(dir, undefined);
        if (await pruneEmptyDirs(dir, layout.objectsRoot(loc))) cache.treeChanged();
      }),
    );
  }

  async copy(
    src: BucketLocation,
    srcKey: string,
    dst: BucketLocation,
    dstKey: string,
    input: CopyInput,
  ): Promise<StoredObject> {
    const srcDir = this.fs.layout.objectDir(src, srcKey);
    this.fs.layout.objectDir(dst, dstKey);
    for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
      const record = await readRecord(this.bucketCache(src), srcDir);
      if (!record) {
        throw new ServerError(
          Status.NOT_FOUND,
          `source object ${JSON.stringify(srcKey)} does not exist`,
        );
      }
      let staged: StagedFile;
      try {
        staged = await stageCopy(this.fs.layout.tmp, join(srcDir, record.data));
      } catch (err) {
        if (isMissing(err)) continue;
        throw err;
      }
      return this.commit(dst, dstKey, staged, {
        size: record.size,
        etag: record.etag,
        contentType: record.contentType,
        metadata: input.replaceMetadata ? input.metadata : record.metadata,
        ownerId: input.ownerId,
      });
    }
    throw new ServerError(
      Status.ABORTED,
      `source object ${JSON.stringify(srcKey)} kept changing; retry`,
    );
  }

  /**
   * Makes `staged` the object's content: under the bucket's shared lock (a bucket delete
   * waits) and the key's lock, moves the data beside the sidecar, replaces the sidecar
   * atomically (the commit point), then drops the data the old sidecar named. `prepared`:
   * the sidecar is staged already (its record names the data file).
   */
  async commit(
    loc: BucketLocation,
    key: string,
    staged: StagedFile,
    fields: Omit<ObjectRecord, "key" | "lastModified" | "data">,
    prepared?: { record: ObjectRecord; sidecar: StagedFile },
  ): Promise<StoredObject> {
    const { layout } = this.fs;
    const dir = layout.objectDir(loc, key);
    try {
      return await this.fs.bucketLocks.shared(layout.bucketKey(loc), () =>
        this.fs.keyLocks.run(dir, async () => {
          await requireBucket(this.fs, loc);
          const cache = this.bucketCache(loc);
          const record: ObjectRecord = prepared?.record ?? {
            key,
            ...fields,
            lastModified: new Date().toISOString(),
            data: `${DATA_PREFIX}${randomUUID()}`,
          };
          const { data } = record;
          // The sidecar is staged (written, fsynced) while the data moves into place: the
          // two are independent until the sidecar's rename, the commit point.
          const staging = prepared
            ? Promise.resolve(prepared.sidecar)
            : stageBody(layout.tmp, [Buffer.from(JSON.stringify(record))]);
          staging.catch(() => {}); // awaited below
          try {
            await renameInto(staged.path, dir, data, () => cache.treeChanged());
          } catch (err) {
            await staging.then(
              (sidecar) => sidecar.discard(),
              () => {},
            );
            throw err;
          }
          await (await staging).moveTo(join(dir, META_FILE));
          cache.setRecord(dir, record);
          await fsyncPath(dir);
          await removeDataFiles(dir, data);
          return toStored(record);
        }),
      );
    } catch (err) {
      await staged.discard();
      await prepared?.sidecar.discard();
      throw err;
    }
  }
}

function toStored(record: ObjectRecord): StoredObject {
  return {
    key: record.key,
    size: record.size,
    etag: record.etag,
    contentType: record.contentType,
    lastModified: new Date(record.lastModified),
    metadata: record.metadata,
    ownerId: record.ownerId,
  };
}

/**
 * Stages the bytes of a data file. Data files never change once written, so the copy may
 * share them: a hard link, or a copy where links fail. ENOENT when the file is gone.
 */
async function stageCopy(tmpDir: string, src: string): Promise<StagedFile> {
  const staged = stagedFile(join(tmpDir, randomUUID()));
  try {
    await link(src, staged.path);
  } catch (err) {
    if (isMissing(err)) throw err;
    try {
      await copyFile(src, staged.path, constants.COPYFILE_EXCL);
      await fsyncPath(staged.path, "r+");
    } catch (copyErr) {
      await staged.discard();
      throw copyErr;
    }
  }
  return staged;
}

/**
 * Moves a file into `dir` (created as needed, `created` told); a concurrent prune of empty
 * directories is retried.
 */
async function renameInto(
  src: string,
  dir: string,
  name: string,
  created: () => void,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    if ((await mkdir(dir, { recursive: true })) !== undefined) created();
    try {
      await rename(src, join(dir, name));
      return;
    } catch (err) {
      if (errnoCode(err) !== "ENOENT" || attempt >= 4) throw err;
    }
  }
}

/** Data files of `dir` other than `keep`: the replaced one, or leftovers of a crash mid-commit. */
async function removeDataFiles(dir: string, keep: string | undefined): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (isMissing(err)) return;
    throw err;
  }
  for (const name of names) {
    if (name.startsWith(DATA_PREFIX) && name !== keep)
      await unlink(join(dir, name)).catch(ignoreMissing);
  }
}

/** Removes `dir` and its ancestors below `stop` while they are empty; true when it removed one. */
async function pruneEmptyDirs(dir: string, stop: string): Promise<boolean> {
  let removed = false;
  for (
    let current = dir;
    current !== stop && current.startsWith(stop);
    current = dirname(current)
  ) {
    try {
      await rmdir(current);
      removed = true;
    } catch {
      return removed;
    }
  }
  return removed;
}
