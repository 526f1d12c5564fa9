import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { compareUtf8 } from "../../compare-utf8.js";
import { readJson } from "./files.js";
import { keyDirNames, META_FILE, type ObjectRecord, segmentOf } from "./layout.js";

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
 * before the start point are never entered.
 */
export async function* walkObjects(
  objectsRoot: string,
  opts: WalkOptions,
): AsyncGenerator<WalkItem> {
  const complete = opts.prefix.split("/").slice(0, -1);
  let dir: string;
  try {
    dir = join(objectsRoot, ...complete.flatMap((segment) => keyDirNames(segment)));
  } catch {
    return; // a segment too long to be stored: nothing can be under it
  }
  yield* walkDir(dir, complete.length > 0 ? `${complete.join("/")}/` : "", opts);
}

interface Child {
  sort: string;
  tree: boolean;
  dir: string;
}

async function* walkDir(dir: string, base: string, o: WalkOptions): AsyncGenerator<WalkItem> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  const children: Child[] = [];
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

  for (const child of children) {
    const key = child.sort;
    if (!child.tree) {
      if (!key.startsWith(o.prefix) || !after(key, o)) continue;
      const record = await readJson<ObjectRecord>(join(child.dir, META_FILE));
      if (record && record.key === key) yield { kind: "object", record };
      continue;
    }
    // Every key in this subtree starts with `key` (which ends in '/').
    if (!key.startsWith(o.prefix) && !o.prefix.startsWith(key)) continue;
    if (compareUtf8(key, o.startAfter) <= 0 && !o.startAfter.startsWith(key)) continue;
    if (o.startAfterIsPrefix && o.startAfter !== "" && key.startsWith(o.startAfter)) continue;
    if (o.collapse && key.startsWith(o.prefix) && key.length > o.prefix.length) {
      if (await hasObject(child.dir, key, o)) yield { kind: "prefix", prefix: key };
      continue;
    }
    yield* walkDir(child.dir, key, o);
  }
}

function after(key: string, o: WalkOptions): boolean {
  if (compareUtf8(key, o.startAfter) <= 0) return false;
  return !(o.startAfterIsPrefix && o.startAfter !== "" && key.startsWith(o.startAfter));
}

async function hasObject(dir: string, base: string, o: WalkOptions): Promise<boolean> {
  for await (const _ of walkDir(dir, base, { ...o, prefix: "", collapse: false })) return true;
  return false;
}
