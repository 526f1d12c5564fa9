import { join } from "node:path";
import type { BucketMeta } from "../backend.js";
import { readJson } from "./files.js";
import { META_FILE, type ObjectRecord } from "./layout.js";

/**
 * What the filesystem backend remembers of its own tree, so that listings, reads and the
 * bucket checks of every request need no system calls once warm: bucket records, object
 * sidecars and the sorted children of key directories, per bucket.
 *
 * Safe because one process owns a root (`root-lock.ts`) and every change to it goes
 * through this backend, which tells the cache as the change becomes visible on disk:
 * commits and deletes set the new record (or "none"), a created or removed directory
 * drops the bucket's directory lists, creating or deleting a bucket drops the bucket.
 * Reads fill the cache only when no change to the bucket happened while they ran (a
 * generation count per bucket and per kind), so a read that saw the old file can never
 * store it over a newer change. Values are shared: callers treat them as read-only.
 *
 * Bounded: at most `maxEntries` records and directory children over all buckets; past
 * that, the least recently used buckets are dropped whole.
 */
export class TreeCache {
  readonly #buckets = new Map<string, BucketCache>();
  #entries = 0;

  constructor(readonly maxEntries = 200_000) {}

  /** The bucket's cache, made most recently used. */
  bucket(bucketKey: string): BucketCache {
    let cache = this.#buckets.get(bucketKey);
    if (cache) {
      this.#buckets.delete(bucketKey);
    } else {
      cache = new BucketCache(this);
    }
    this.#buckets.set(bucketKey, cache);
    return cache;
  }

  /** Forgets a bucket: it was created or deleted. */
  dropBucket(bucketKey: string): void {
    const cache = this.#buckets.get(bucketKey);
    if (!cache) return;
    this.#buckets.delete(bucketKey);
    cache.detach();
  }

  /** Forgets everything (the root is taken over at start). */
  clear(): void {
    for (const cache of this.#buckets.values()) cache.detach();
    this.#buckets.clear();
    this.#entries = 0;
  }

  /** @internal BucketCache's accounting: past the bound, other buckets go, then `owner`'s entries. */
  grow(by: number, owner: BucketCache): void {
    this.#entries += by;
    if (by <= 0 || this.#entries <= this.maxEntries) return;
    for (const [key, cache] of this.#buckets) {
      if (this.#entries <= this.maxEntries) break;
      if (cache === owner) continue;
      this.#buckets.delete(key);
      cache.detach();
    }
    if (this.#entries > this.maxEntries) owner.clear();
  }
}

/** A sorted child of a key directory: the object `sort` (tree false) or its subtree `sort` + ... (tree true). */
export interface DirChild {
  /** The key (object) or the key prefix ending in '/' (subtree). */
  sort: string;
  tree: boolean;
  /** Path of the key's directory. */
  dir: string;
}

/** A read's ticket: fill the cache with what it read only if nothing changed meanwhile. */
export interface ReadTicket {
  readonly cache: BucketCache;
  readonly gen: number;
}

export class BucketCache {
  /** undefined: not known; null: known not to exist. */
  #meta: BucketMeta | null | undefined;
  #metaGen = 0;
  readonly #records = new Map<string, ObjectRecord | null>();
  readonly #dirs = new Map<string, DirChild[]>();
  #recordGen = 0;
  #dirGen = 0;
  #detached = false;

  constructor(private readonly owner: TreeCache) {}

  // The bucket's own record, bucket.json.

  meta(): BucketMeta | null | undefined {
    return this.#meta;
  }

  metaTicket(): ReadTicket {
    return { cache: this, gen: this.#metaGen };
  }

  fillMeta(ticket: ReadTicket, meta: BucketMeta | null): void {
    if (this.#detached || ticket.gen !== this.#metaGen || this.#meta !== undefined) return;
    this.#meta = meta;
  }

  /** bucket.json was replaced. */
  setMeta(meta: BucketMeta): void {
    this.#metaGen++;
    if (!this.#detached) this.#meta = meta;
  }

  // Records, by object directory.

  record(dir: string): ObjectRecord | null | undefined {
    return this.#records.get(dir);
  }

  recordTicket(): ReadTicket {
    return { cache: this, gen: this.#recordGen };
  }

  /** A record read from disk under `ticket`. */
  fillRecord(ticket: ReadTicket, dir: string, record: ObjectRecord | null): void {
    if (this.#detached || ticket.gen !== this.#recordGen || this.#records.has(dir)) return;
    this.#records.set(dir, record);
    this.owner.grow(1, this);
  }

  /** The record now on disk (null: deleted): call right after the change is visible. */
  setRecord(dir: string, record: ObjectRecord | null): void {
    this.#recordGen++;
    if (this.#detached) return;
    const had = this.#records.has(dir);
    this.#records.set(dir, record);
    if (!had) this.owner.grow(1, this);
  }

  // Sorted children of key directories.

  children(dir: string): DirChild[] | undefined {
    return this.#dirs.get(dir);
  }

  dirTicket(): ReadTicket {
    return { cache: this, gen: this.#dirGen };
  }

  fillChildren(ticket: ReadTicket, dir: string, children: DirChild[]): void {
    if (this.#detached || ticket.gen !== this.#dirGen || this.#dirs.has(dir)) return;
    this.#dirs.set(dir, children);
    this.owner.grow(1 + children.length, this);
  }

  /** A directory of the bucket's key tree was created or removed. */
  treeChanged(): void {
    this.#dirGen++;
    let n = 0;
    for (const children of this.#dirs.values()) n += 1 + children.length;
    this.#dirs.clear();
    this.owner.grow(-n, this);
  }

  /** @internal */
  clear(): void {
    this.#recordGen++;
    this.#dirGen++;
    const n = this.#records.size;
    this.#records.clear();
    this.owner.grow(-n, this);
    this.treeChanged();
  }

  /** @internal Dropped from its TreeCache: keeps nothing from now on. */
  detach(): void {
    this.clear();
    this.#metaGen++;
    this.#meta = undefined;
    this.#detached = true;
  }
}

/** The sidecar of the object in `dir` (undefined: none), from the cache or from disk. */
export async function readRecord(
  cache: BucketCache,
  dir: string,
): Promise<ObjectRecord | undefined> {
  const known = cache.record(dir);
  if (known !== undefined) return known ?? undefined;
  const ticket = cache.recordTicket();
  const record = await readJson<ObjectRecord>(join(dir, META_FILE));
  cache.fillRecord(ticket, dir, record ?? null);
  return record;
}
