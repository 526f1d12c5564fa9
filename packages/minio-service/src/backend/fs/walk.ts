import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { compareUtf8 } from "../../compare-utf8.js";
import { keyDirNames, type ObjectRecord, segmentOf } from "./layout.js";
import { type BucketCache, type DirChild, readRecord } from "./tree-cache.js";

export interface WalkOptions {
  /** Only keys starting with this. */
  prefix: string;
  /** Only keys after this, in UTF-8 byte order. */
  startAfter: string;
  /** Skip every key under `startAfter` too (it is a common prefix already returned). */
  startAfterIsPrefix: boolean;
  /** Delimiter '/': report each subtree below the prefix as one common prefix. */
  collapse: boolean;
}

export type WalkItem =
  | { kind: "object"; record: ObjectRecord }
  | { kind: "prefix"; prefix: string };

/**
 * Objects under `objectsRoot` in UTF-8 byte order of their keys. At each directory the
 * children are ordered as the key `k` (the child's own object) and the range `k/...` (its
 * subtree), which is contiguous in key order, so subtrees wholly outside the prefix or
 * before the start point are never entered; a directory's children before the start point
 * or the prefix are skipped by a binary search. Directory lists and sidecars come from the
 * bucket's cache when it has them.
 */
export async function* walkObjects(
  objectsRoot: string,
  cache: BucketCache,
  opts: WalkOptions,
): AsyncGenerator<WalkItem> {
  const complete = opts.prefix.split("/").slice(0, -1);
  let dir: string;
  try {
    dir = join(objectsRoot, ...complete.flatMap((segment) => keyDirNames(segment)));
  } catch {
    return; // a segment too long to be stored: nothing can be under it
  }
  yield* walkDir(cache, dir, complete.length > 0 ? `${complete.join("/")}/` : "", opts);
}

/**
 * Sidecars not in the cache are read this many at a time, ahead of the walk: a cold page
 * of 1,000 costs about 63 rounds of reads instead of 1,000, with a bounded number in flight
 * (the thread pool is shared with every other request).
 */
const READ_AHEAD = 16;
const NO_CHILDREN: DirChild[] = [];

async function* walkDir(
  cache: BucketCache,
  dir: string,
  base: string,
  o: WalkOptions,
): AsyncGenerator<WalkItem> {
  const children = await childrenOf(cache, dir, base);
  // First candidate: after the start point and not before the prefix. A subtree `k/` that
  // holds the start point (or the prefix) sorts just before it: the only child before the
  // search's result that can still hold matching keys.
  let i = firstAfter(children, o.startAfter);
  const holdsStart = children[i - 1];
  if (holdsStart?.tree && o.startAfter.startsWith(holdsStart.sort)) i--;
  const p = firstAfter(children, o.prefix);
  const holdsPrefix = children[p - 1];
  const fromPrefix = holdsPrefix && o.prefix.startsWith(holdsPrefix.sort) ? p - 1 : p;
  if (fromPrefix > i) i = fromPrefix;

  const reads = new Map<number, Promise<ObjectRecord | undefined>>();
  let readTo = i;
  for (; i < children.length; i++) {
    const child = children[i] as DirChild;
    const key = child.sort;
    // Keys under a prefix are contiguous: once past them, nothing further can match.
    if (!key.startsWith(o.prefix) && !o.prefix.startsWith(key) && compareUtf8(key, o.prefix) > 0)
      break;
    if (!child.tree) {
      if (!key.startsWith(o.prefix) || !after(key, o)) continue;
      for (
        readTo = Math.max(readTo, i);
        readTo < children.length && reads.size < READ_AHEAD;
        readTo++
      ) {
        const next = children[readTo] as DirChild;
        if (next.tree || cache.record(next.dir) !== undefined) continue;
        if (!next.sort.startsWith(o.prefix) || !after(next.sort, o)) continue;
        const reading = readRecord(cache, next.dir);
        reading.catch(() => {}); // awaited below, or dropped when the walk stops early
        reads.set(readTo, reading);
      }
      const ahead = reads.get(i);
      reads.delete(i);
      const record = await (ahead ?? readRecord(cache, child.dir));
      if (record && record.key === key) yield { kind: "object", record };
      continue;
    }
    // Every key in this subtree starts with `key` (which ends in '/').
    if (!key.startsWith(o.prefix) && !o.prefix.startsWith(key)) continue;
    if (compareUtf8(key, o.startAfter) <= 0 && !o.startAfter.startsWith(key)) continue;
    if (o.startAfterIsPrefix && o.startAfter !== "" && key.startsWith(o.startAfter)) continue;
    if (o.collapse && key.startsWith(o.prefix) && key.length > o.prefix.length) {
      if (await hasObject(cache, child.dir, key, o)) yield { kind: "prefix", prefix: key };
      continue;
    }
    yield* walkDir(cache, child.dir, key, o);
  }
}

/**
 * The children of a key directory in key order: each key `k` (its own object) and the
 * range `k/...` (its subtree). Cached until the bucket's tree changes.
 */
async function childrenOf(cache: BucketCache, dir: string, base: string): Promise<DirChild[]> {
  const known = cache.children(dir);
  if (known) return known;
  const ticket = cache.dirTicket();
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return NO_CHILDREN;
  }
  const children: DirChild[] = [];
  for (const name of names) {
    const segment = segmentOf(name);
    if (segment === undefined) continue;
    const key = base + segment;
    const childDir = join(dir, name);
    children.push(
      { sort: key, tree: false, dir: childDir },
      { sort: `${key}/`, tree: true, dir: childDir },
    );
  }
  children.sort((a, b) => compareUtf8(a.sort, b.sort));
  const sorted = children.length > 0 ? children : NO_CHILDREN;
  cache.fillChildren(ticket, dir, sorted);
  return sorted;
}

/** Index of the first child sorting after `key`. */
function firstAfter(children: DirChild[], key: string): number {
  let lo = 0;
  let hi = children.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareUtf8((children[mid] as DirChild).sort, key) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function after(key: string, o: WalkOptions): boolean {
  if (compareUtf8(key, o.startAfter) <= 0) return false;
  return !(o.startAfterIsPrefix && o.startAfter !== "" && key.startsWith(o.startAfter));
}

async function hasObject(
  cache: BucketCache,
  dir: string,
  base: string,
  o: WalkOptions,
): Promise<boolean> {
  for await (const _ of walkDir(cache, dir, base, { ...o, prefix: "", collapse: false }))
    return true;
  return false;
}
