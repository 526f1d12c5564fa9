import { createHash, randomBytes, randomUUID } from "node:crypto";
import { constants, createReadStream } from "node:fs";
import {
  access,
  copyFile,
  type FileHandle,
  link,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rmdir,
  stat,
  statfs,
  unlink,
  writeFile,
} from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { ServerError, Status } from "nice-grpc";
import type { Logger } from "pino";
import { compareUtf8 } from "../compare-utf8.js";
import { KeyedMutex, KeyedRwLock } from "../locks.js";
import { presignUrl } from "../presign.js";
import { type BucketLocation, type Tenant, tenantPath, tenantSegments } from "../tenant.js";
import { resolveRange } from "../validation.js";
import type {
  BackendHealth,
  BucketMeta,
  CompletedPartRef,
  CopyInput,
  ListEntry,
  ListPage,
  ListQuery,
  PresignRequest,
  PutInput,
  ReadChunking,
  StorageBackend,
  StoredObject,
} from "./backend.js";
import {
  errnoCode,
  fsyncDir,
  isMissing,
  readJson,
  removeTree,
  writeBodyToFile,
  writeJsonAtomic,
} from "./fs-files.js";
import { DATA_PREFIX, META_FILE, type ObjectRecord, objectDir } from "./fs-layout.js";
import { walkObjects } from "./fs-walk.js";
import {
  checkCompletedParts,
  checkPartEtag,
  checkUploadId,
  multipartEtag,
  noSuchUpload,
} from "./multipart-rules.js";

export interface FsBackendOptions {
  /** Directory of the objects (`<ISA_DATA_DIR>/objects`); created when missing. */
  root: string;
  /** HMAC key of presigned URLs. */
  presignSecret: string;
  /** Base of presigned URLs; asked for each URL, because the HTTP endpoint's port is known late. */
  publicUrl: () => string;
  logger: Logger;
}

const BUCKET_FILE = "bucket.json";
const UPLOAD_FILE = "upload.json";
/** Read size of multipart's Complete, and of reads that bring no chunking of their own. */
const READ_CHUNK = 1024 * 1024;
const DEFAULT_CHUNKING: ReadChunking = { chunkBytes: READ_CHUNK, alloc: Buffer.allocUnsafe };
/** How often a reader retries when an overwrite removes the data file between sidecar and open. */
const READ_ATTEMPTS = 5;

interface UploadRecord {
  key: string;
  contentType: string;
  metadata: Record<string, string>;
  ownerId: string;
  initiated: string;
}

/** Objects as files under one directory; see the README's "Filesystem backend". */
export class FsBackend implements StorageBackend {
  readonly kind = "fs";
  private readonly root: string;
  private readonly tmp: string;
  private readonly bucketLocks = new KeyedRwLock();
  private readonly keyLocks = new KeyedMutex();
  private lockFile: string | undefined;

  constructor(private readonly opts: FsBackendOptions) {
    this.root = opts.root;
    this.tmp = join(opts.root, ".tmp");
  }

  async start(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await this.lockRoot();
    // Whatever is here was in flight when a previous process stopped: never visible, so dropped.
    await removeTree(this.tmp);
    await mkdir(this.tmp);
  }

  async close(): Promise<void> {
    if (this.lockFile) await unlink(this.lockFile).catch(() => {});
    this.lockFile = undefined;
  }

  async health(): Promise<BackendHealth> {
    const started = performance.now();
    try {
      await access(this.root, constants.W_OK);
      const fsStats = await statfs(this.root);
      return {
        healthy: true,
        details: {
          backend: "fs",
          root: this.root,
          freeBytes: fsStats.bavail * fsStats.bsize,
          latencyMs: Math.round((performance.now() - started) * 1000) / 1000,
        },
      };
    } catch (err) {
      return {
        healthy: false,
        details: { backend: "fs", root: this.root },
        error: `data directory ${this.root} is not usable: ${(err as Error).message}`,
      };
    }
  }

  // ---- buckets

  async createBucket(loc: BucketLocation, meta: BucketMeta): Promise<void> {
    await this.bucketLocks.exclusive(this.bucketKey(loc), async () => {
      const parent = this.tenantDir(loc.tenant);
      await mkdir(parent, { recursive: true });
      const staging = join(this.tmp, `bucket-${randomUUID()}`);
      await mkdir(join(staging, "objects"), { recursive: true });
      await writeJsonAtomic(this.tmp, join(staging, BUCKET_FILE), meta);
      try {
        await rename(staging, this.bucketDir(loc));
      } catch (err) {
        await removeTree(staging);
        const code = errnoCode(err);
        if (code === "EEXIST" || code === "ENOTEMPTY") {
          throw new ServerError(
            Status.ALREADY_EXISTS,
            `bucket ${JSON.stringify(loc.bucket)} already exists`,
          );
        }
        throw err;
      }
      await fsyncDir(parent);
    });
  }

  getBucket(loc: BucketLocation): Promise<BucketMeta | undefined> {
    return readJson<BucketMeta>(join(this.bucketDir(loc), BUCKET_FILE));
  }

  async updateBucket(loc: BucketLocation, meta: BucketMeta): Promise<void> {
    await this.bucketLocks.exclusive(this.bucketKey(loc), async () => {
      await this.requireBucket(loc);
      await writeJsonAtomic(this.tmp, join(this.bucketDir(loc), BUCKET_FILE), meta);
    });
  }

  async listBuckets(tenant: Tenant): Promise<BucketMeta[]> {
    let names: string[];
    try {
      names = await readdir(this.tenantDir(tenant));
    } catch (err) {
      if (isMissing(err)) return [];
      throw err;
    }
    const metas = await Promise.all(
      names.map((bucket) =>
        readJson<BucketMeta>(join(this.tenantDir(tenant), bucket, BUCKET_FILE)),
      ),
    );
    return metas
      .filter((meta): meta is BucketMeta => meta !== undefined)
      .sort((a, b) => compareUtf8(a.name, b.name));
  }

  async deleteBucket(loc: BucketLocation, force: boolean): Promise<number> {
    const { trash, count } = await this.bucketLocks.exclusive(this.bucketKey(loc), async () => {
      await this.requireBucket(loc);
      let count = 0;
      for await (const _ of this.allObjects(loc)) {
        count++;
        if (!force) {
          throw new ServerError(
            Status.FAILED_PRECONDITION,
            `bucket ${JSON.stringify(loc.bucket)} is not empty; delete its objects first, or pass force`,
          );
        }
      }
      // Renamed away first, so the bucket disappears at once; the files go afterwards.
      const trash = join(this.tmp, `trash-${randomUUID()}`);
      await rename(this.bucketDir(loc), trash);
      await fsyncDir(this.tenantDir(loc.tenant));
      return { trash, count };
    });
    await removeTree(trash);
    return count;
  }

  async bucketUsage(loc: BucketLocation): Promise<{ sizeBytes: number; objectCount: number }> {
    let sizeBytes = 0;
    let objectCount = 0;
    for await (const item of this.allObjects(loc)) {
      if (item.kind !== "object") continue;
      sizeBytes += item.record.size;
      objectCount++;
    }
    return { sizeBytes, objectCount };
  }

  // ---- objects

  async putObject(
    loc: BucketLocation,
    key: string,
    body: AsyncIterable<Uint8Array>,
    input: PutInput,
  ): Promise<StoredObject> {
    objectDir(this.objectsRoot(loc), key); // refuse an unstorable key before reading the body
    const tmpPath = join(this.tmp, randomUUID());
    const { size, md5 } = await writeBodyToFile(tmpPath, body);
    return this.commit(loc, key, tmpPath, {
      size,
      etag: md5,
      contentType: input.contentType,
      metadata: input.metadata,
      ownerId: input.ownerId,
    });
  }

  async statObject(loc: BucketLocation, key: string): Promise<StoredObject | undefined> {
    const record = await readJson<ObjectRecord>(
      join(objectDir(this.objectsRoot(loc), key), META_FILE),
    );
    return record && toStored(record);
  }

  async getObject(
    loc: BucketLocation,
    key: string,
    want: { offset: number; length: number },
    chunking: ReadChunking = DEFAULT_CHUNKING,
  ): Promise<
    | {
        info: StoredObject;
        range: { start: number; end: number };
        body: Readable;
      }
    | undefined
  > {
    const dir = objectDir(this.objectsRoot(loc), key);
    for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
      const record = await readJson<ObjectRecord>(join(dir, META_FILE));
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
      const body = rangeReader(handle, range, chunking);
      return { info: toStored(record), range, body };
    }
    throw new ServerError(
      Status.ABORTED,
      `object ${JSON.stringify(key)} kept changing while being opened; retry`,
    );
  }

  async deleteObject(loc: BucketLocation, key: string): Promise<void> {
    const dir = objectDir(this.objectsRoot(loc), key);
    await this.bucketLocks.shared(this.bucketKey(loc), () =>
      this.keyLocks.run(dir, async () => {
        await unlink(join(dir, META_FILE)).catch(ignoreMissing);
        await this.removeDataFiles(dir, undefined);
        await this.pruneEmptyDirs(dir, this.objectsRoot(loc));
      }),
    );
  }

  async listObjects(loc: BucketLocation, q: ListQuery): Promise<ListPage> {
    const collapse = q.delimiter === "/";
    const entries: ListEntry[] = [];
    let lastPrefix: string | undefined;
    const walk = walkObjects(this.objectsRoot(loc), {
      prefix: q.prefix,
      startAfter: q.startAfter,
      startAfterIsPrefix: q.startAfterIsPrefix,
      collapse,
    });
    for await (const item of walk) {
      let entry: ListEntry;
      if (item.kind === "prefix") {
        entry = item;
      } else {
        const { key, size, etag, lastModified } = item.record;
        const cut = q.delimiter && !collapse ? key.indexOf(q.delimiter, q.prefix.length) : -1;
        if (cut >= 0) {
          const prefix = key.slice(0, cut + q.delimiter.length);
          if (prefix === lastPrefix) continue;
          lastPrefix = prefix;
          if (q.startAfterIsPrefix && compareUtf8(prefix, q.startAfter) <= 0) continue;
          entry = { kind: "prefix", prefix };
        } else {
          entry = {
            kind: "object",
            object: { key, size, etag, lastModified: new Date(lastModified) },
          };
        }
      }
      if (entries.length === q.limit) {
        await walk.return(undefined);
        return { entries, truncated: true };
      }
      entries.push(entry);
    }
    return { entries, truncated: false };
  }

  async copyObject(
    src: BucketLocation,
    srcKey: string,
    dst: BucketLocation,
    dstKey: string,
    input: CopyInput,
  ): Promise<StoredObject> {
    const srcDir = objectDir(this.objectsRoot(src), srcKey);
    objectDir(this.objectsRoot(dst), dstKey);
    for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
      const record = await readJson<ObjectRecord>(join(srcDir, META_FILE));
      if (!record) {
        throw new ServerError(
          Status.NOT_FOUND,
          `source object ${JSON.stringify(srcKey)} does not exist`,
        );
      }
      const tmpPath = join(this.tmp, randomUUID());
      try {
        await linkOrCopy(join(srcDir, record.data), tmpPath);
      } catch (err) {
        if (isMissing(err)) continue;
        throw err;
      }
      return this.commit(dst, dstKey, tmpPath, {
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

  async presign(
    loc: BucketLocation,
    key: string,
    request: PresignRequest,
  ): Promise<{ url: string; expiresAt: Date }> {
    const expires = Math.floor(Date.now() / 1000) + request.expiresInSeconds;
    const url = presignUrl(this.opts.publicUrl(), this.opts.presignSecret, {
      method: request.method,
      loc,
      key,
      expires,
      ...(request.contentType !== undefined ? { contentType: request.contentType } : {}),
      ownerId: request.ownerId,
      responseOverrides: request.responseOverrides ?? {},
    });
    return { url, expiresAt: new Date(expires * 1000) };
  }

  // ---- multipart

  async createMultipartUpload(loc: BucketLocation, key: string, input: PutInput): Promise<string> {
    objectDir(this.objectsRoot(loc), key);
    const uploadId = randomBytes(16).toString("hex");
    const staging = join(this.tmp, `upload-${uploadId}`);
    await mkdir(staging);
    const record: UploadRecord = {
      key,
      contentType: input.contentType,
      metadata: input.metadata,
      ownerId: input.ownerId,
      initiated: new Date().toISOString(),
    };
    await writeJsonAtomic(this.tmp, join(staging, UPLOAD_FILE), record);
    await this.bucketLocks.shared(this.bucketKey(loc), async () => {
      await this.requireBucket(loc);
      await mkdir(this.uploadsDir(loc), { recursive: true });
      await rename(staging, this.uploadDir(loc, uploadId));
    });
    return uploadId;
  }

  async uploadPart(
    loc: BucketLocation,
    key: string,
    uploadId: string,
    partNumber: number,
    body: AsyncIterable<Uint8Array>,
  ): Promise<string> {
    await this.uploadRecord(loc, key, uploadId);
    const tmpPath = join(this.tmp, randomUUID());
    const { md5 } = await writeBodyToFile(tmpPath, body);
    try {
      await this.keyLocks.run(`upload:${uploadId}`, async () => {
        await this.uploadRecord(loc, key, uploadId);
        await rename(tmpPath, join(this.uploadDir(loc, uploadId), partName(partNumber)));
      });
    } catch (err) {
      await unlink(tmpPath).catch(() => {});
      if (isMissing(err)) throw noSuchUpload(uploadId, key);
      throw err;
    }
    return md5;
  }

  completeMultipartUpload(
    loc: BucketLocation,
    key: string,
    uploadId: string,
    parts: CompletedPartRef[],
  ): Promise<StoredObject> {
    return this.keyLocks.run(`upload:${uploadId}`, async () => {
      const upload = await this.uploadRecord(loc, key, uploadId);
      const dir = this.uploadDir(loc, uploadId);
      const sizes = new Map<number, number>();
      for (const part of parts) {
        const info = await stat(join(dir, partName(part.partNumber))).catch(() => undefined);
        if (info) sizes.set(part.partNumber, info.size);
      }
      checkCompletedParts(parts, (n) => sizes.get(n));
      const md5s: string[] = [];
      async function* concatenated(): AsyncGenerator<Uint8Array> {
        for (const part of parts) {
          const hash = createHash("md5");
          for await (const chunk of createReadStream(join(dir, partName(part.partNumber)), {
            highWaterMark: READ_CHUNK,
          })) {
            hash.update(chunk as Buffer);
            yield chunk as Buffer;
          }
          const md5 = hash.digest("hex");
          checkPartEtag(part, md5);
          md5s.push(md5);
        }
      }
      const tmpPath = join(this.tmp, randomUUID());
      const { size } = await writeBodyToFile(tmpPath, concatenated());
      const stored = await this.commit(loc, key, tmpPath, {
        size,
        etag: multipartEtag(md5s),
        contentType: upload.contentType,
        metadata: upload.metadata,
        ownerId: upload.ownerId,
      });
      await removeTree(dir);
      return stored;
    });
  }

  async abortMultipartUpload(loc: BucketLocation, key: string, uploadId: string): Promise<void> {
    await this.keyLocks.run(`upload:${uploadId}`, async () => {
      await this.uploadRecord(loc, key, uploadId);
      await removeTree(this.uploadDir(loc, uploadId));
    });
  }

  // ---- internals

  /**
   * Makes `tmpData` the object's content: under the bucket's shared lock (a bucket delete
   * waits) and the key's lock, moves the data beside the sidecar, replaces the sidecar
   * atomically (the commit point), then drops the data the old sidecar named.
   */
  private async commit(
    loc: BucketLocation,
    key: string,
    tmpData: string,
    fields: Omit<ObjectRecord, "key" | "lastModified" | "data">,
  ): Promise<StoredObject> {
    const dir = objectDir(this.objectsRoot(loc), key);
    try {
      return await this.bucketLocks.shared(this.bucketKey(loc), () =>
        this.keyLocks.run(dir, async () => {
          await this.requireBucket(loc);
          const data = `${DATA_PREFIX}${randomUUID()}`;
          await renameInto(tmpData, dir, data);
          const record: ObjectRecord = {
            key,
            ...fields,
            lastModified: new Date().toISOString(),
            data,
          };
          await writeJsonAtomic(this.tmp, join(dir, META_FILE), record);
          await fsyncDir(dir);
          await this.removeDataFiles(dir, data);
          return toStored(record);
        }),
      );
    } catch (err) {
      await unlink(tmpData).catch(() => {});
      throw err;
    }
  }

  /** Data files of `dir` other than `keep`: the replaced one, or leftovers of a crash mid-commit. */
  private async removeDataFiles(dir: string, keep: string | undefined): Promise<void> {
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

  /** Removes `dir` and its ancestors below `stop` while they are empty. */
  private async pruneEmptyDirs(dir: string, stop: string): Promise<void> {
    for (
      let current = dir;
      current !== stop && current.startsWith(stop);
      current = dirname(current)
    ) {
      try {
        await rmdir(current);
      } catch {
        return;
      }
    }
  }

  private async uploadRecord(
    loc: BucketLocation,
    key: string,
    uploadId: string,
  ): Promise<UploadRecord> {
    checkUploadId(uploadId, key);
    const record = await readJson<UploadRecord>(join(this.uploadDir(loc, uploadId), UPLOAD_FILE));
    if (!record || record.key !== key) throw noSuchUpload(uploadId, key);
    return record;
  }

  private async requireBucket(loc: BucketLocation): Promise<void> {
    try {
      await access(join(this.bucketDir(loc), BUCKET_FILE));
    } catch {
      throw new ServerError(
        Status.NOT_FOUND,
        `bucket ${JSON.stringify(loc.bucket)} does not exist`,
      );
    }
  }

  private allObjects(loc: BucketLocation) {
    return walkObjects(this.objectsRoot(loc), {
      prefix: "",
      startAfter: "",
      startAfterIsPrefix: false,
      collapse: false,
    });
  }

  private async lockRoot(): Promise<void> {
    const path = join(this.root, ".lock");
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await writeFile(path, String(process.pid), { flag: "wx" });
        this.lockFile = path;
        return;
      } catch (err) {
        if (errnoCode(err) !== "EEXIST") throw err;
      }
      const pid = Number((await readFile(path, "utf8").catch(() => "")).trim());
      if (pid > 0 && processAlive(pid)) {
        throw new Error(
          `${this.root} is in use by another storage service (pid ${pid}); stop it, or set ISA_DATA_DIR to another directory`,
        );
      }
      await unlink(path).catch(() => {}); // left by a process that is gone
    }
    throw new Error(`could not lock ${this.root}; remove ${path} if no storage service uses it`);
  }

  private tenantDir(tenant: Tenant): string {
    return join(this.root, ...tenantSegments(tenant));
  }

  private bucketDir(loc: BucketLocation): string {
    return join(this.tenantDir(loc.tenant), loc.bucket);
  }

  private objectsRoot(loc: BucketLocation): string {
    return join(this.bucketDir(loc), "objects");
  }

  private uploadsDir(loc: BucketLocation): string {
    return join(this.bucketDir(loc), "uploads");
  }

  private uploadDir(loc: BucketLocation, uploadId: string): string {
    return join(this.uploadsDir(loc), uploadId);
  }

  private bucketKey(loc: BucketLocation): string {
    return `${tenantPath(loc.tenant)}/${loc.bucket}`;
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

function partName(partNumber: number): string {
  return `part-${String(partNumber).padStart(5, "0")}`;
}

/** Moves a file into `dir` (created as needed); a concurrent prune of empty directories is retried. */
async function renameInto(src: string, dir: string, name: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    await mkdir(dir, { recursive: true });
    try {
      await rename(src, join(dir, name));
      return;
    } catch (err) {
      if (errnoCode(err) !== "ENOENT" || attempt >= 4) throw err;
    }
  }
}

/** Data files never change once written, so a copy can share the bytes; copying where links fail. */
async function linkOrCopy(src: string, dest: string): Promise<void> {
  try {
    await link(src, dest);
  } catch (err) {
    if (isMissing(err)) throw err;
    await copyFile(src, dest, constants.COPYFILE_EXCL);
    const handle = await open(dest, "r+");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === "EPERM";
  }
}

function ignoreMissing(err: unknown): void {
  if (!isMissing(err)) throw err;
}

/**
 * The bytes of `range` as chunks of `chunkBytes`, each read straight into a buffer from
 * `alloc` and handed on as it is; one read ahead of the consumer. Closes the file when it
 * ends or is destroyed.
 */
function rangeReader(
  handle: FileHandle,
  range: { start: number; end: number },
  { chunkBytes, alloc }: ReadChunking,
): Readable {
  let position = range.start;
  return new Readable({
    // Object mode keeps every chunk the very buffer it was read into (no joins or splits).
    objectMode: true,
    highWaterMark: 1,
    read() {
      const size = Math.min(chunkBytes, range.end - position);
      if (size <= 0) {
        this.push(null);
        return;
      }
      readFully(handle, alloc(size), position).then(
        (chunk) => {
          position += chunk.byteLength;
          // Shorter than the sidecar says: end here; the client sees the object came up short.
          if (chunk.byteLength > 0) this.push(chunk);
          if (chunk.byteLength < size) this.push(null);
        },
        (err: unknown) => this.destroy(err as Error),
      );
    },
    destroy(err, callback) {
      // FileHandle.close waits for a read still in flight.
      handle.close().then(
        () => callback(err),
        (closeErr: unknown) => callback(err ?? (closeErr as Error)),
      );
    },
  });
}

/** Fills `buffer` from `position`; a shorter view when the file ends first. */
async function readFully(
  handle: FileHandle,
  buffer: Uint8Array,
  position: number,
): Promise<Uint8Array> {
  let filled = 0;
  while (filled < buffer.byteLength) {
    const { bytesRead } = await handle.read(
      buffer,
      filled,
      buffer.byteLength - filled,
      position + filled,
    );
    if (bytesRead === 0) return buffer.subarray(0, filled);
    filled += bytesRead;
  }
  return buffer;
}
