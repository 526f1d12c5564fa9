import { randomUUID } from "node:crypto";
import { access, mkdir, readdir, rename } from "node:fs/promises";
import { join } from "node:path";
import { ServerError, Status } from "nice-grpc";
import { compareUtf8 } from "../../compare-utf8.js";
import type { BucketLocation, Tenant } from "../../tenant.js";
import type { BucketMeta } from "../backend.js";
import type { BucketOperations } from "../composed-backend.js";
import type { FsContext } from "./context.js";
import { errnoCode, fsyncPath, isMissing, readJson, removeTree, writeJsonAtomic } from "./files.js";
import { BUCKET_FILE } from "./layout.js";
import { allObjects } from "./listing.js";

/** Buckets as directories holding `bucket.json`; see the README's "Filesystem backend". */
export class FsBuckets implements BucketOperations {
  constructor(private readonly fs: FsContext) {}

  /** Built in the staging directory and renamed into place: the filesystem decides ALREADY_EXISTS. */
  async create(loc: BucketLocation, meta: BucketMeta): Promise<void> {
    const { layout } = this.fs;
    await this.fs.bucketLocks.exclusive(layout.bucketKey(loc), async () => {
      const parent = layout.tenantDir(loc.tenant);
      await mkdir(parent, { recursive: true });
      const staging = join(layout.tmp, `bucket-${randomUUID()}`);
      await mkdir(join(staging, "objects"), { recursive: true });
      await writeJsonAtomic(layout.tmp, join(staging, BUCKET_FILE), meta);
      try {
        await rename(staging, layout.bucketDir(loc));
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
      this.fs.cache.dropBucket(layout.bucketKey(loc));
      await fsyncPath(parent);
    });
  }

  /** Asked by every request (access checks): from the cache once read. */
  async get(loc: BucketLocation): Promise<BucketMeta | undefined> {
    const cache = this.fs.cache.bucket(this.fs.layout.bucketKey(loc));
    const known = cache.meta();
    if (known !== undefined) return known ?? undefined;
    const ticket = cache.metaTicket();
    const meta = await readJson<BucketMeta>(this.fs.layout.bucketFile(loc));
    cache.fillMeta(ticket, meta ?? null);
    return meta;
  }

  async update(loc: BucketLocation, meta: BucketMeta): Promise<void> {
    const { layout } = this.fs;
    await this.fs.bucketLocks.exclusive(layout.bucketKey(loc), async () => {
      await requireBucket(this.fs, loc);
      await writeJsonAtomic(layout.tmp, layout.bucketFile(loc), meta);
      this.fs.cache.bucket(layout.bucketKey(loc)).setMeta(meta);
    });
  }

  async list(tenant: Tenant): Promise<BucketMeta[]> {
    const dir = this.fs.layout.tenantDir(tenant);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if (isMissing(err)) return [];
      throw err;
    }
    const metas = await Promise.all(
      names.map((bucket) => readJson<BucketMeta>(join(dir, bucket, BUCKET_FILE))),
    );
    return metas
      .filter((meta): meta is BucketMeta => meta !== undefined)
      .sort((a, b) => compareUtf8(a.name, b.name));
  }

  async delete(loc: BucketLocation, force: boolean): Promise<number> {
    const { layout } = this.fs;
    const { trash, count } = await this.fs.bucketLocks.exclusive(
      layout.bucketKey(loc),
      async () => {
        await requireBucket(this.fs, loc);
        let count = 0;
        for await (const _ of allObjects(this.fs, loc)) {
          count++;
          if (!force) {
            throw new ServerError(
              Status.FAILED_PRECONDITION,
              `bucket ${JSON.stringify(loc.bucket)} is not empty; delete its objects first, or pass force`,
            );
          }
        }
        // Renamed away first, so the bucket disappears at once; the files go afterwards.
        const trash = join(layout.tmp, `trash-${randomUUID()}`);
        await rename(layout.bucketDir(loc), trash);
        this.fs.cache.dropBucket(layout.bucketKey(loc));
        await fsyncPath(layout.tenantDir(loc.tenant));
        return { trash, count };
      },
    );
    await removeTree(trash);
    return count;
  }

  async usage(loc: BucketLocation): Promise<{ sizeBytes: number; objectCount: number }> {
    let sizeBytes = 0;
    let objectCount = 0;
    for await (const item of allObjects(this.fs, loc)) {
      if (item.kind !== "object") continue;
      sizeBytes += item.record.size;
      objectCount++;
    }
    return { sizeBytes, objectCount };
  }
}

/**
 * NOT_FOUND unless the bucket exists (writes check it under the bucket's lock, so a bucket
 * the cache knows cannot be deleted meanwhile: deleting takes the lock exclusively).
 */
export async function requireBucket(fs: FsContext, loc: BucketLocation): Promise<void> {
  const { layout } = fs;
  if (fs.cache.bucket(layout.bucketKey(loc)).meta()) return;
  try {
    await access(layout.bucketFile(loc));
  } catch {
    throw new ServerError(Status.NOT_FOUND, `bucket ${JSON.stringify(loc.bucket)} does not exist`);
  }
}
