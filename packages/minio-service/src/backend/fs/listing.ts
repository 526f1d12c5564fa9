import { compareUtf8 } from "../../compare-utf8.js";
import type { BucketLocation } from "../../tenant.js";
import type { ListEntry, ListPage, ListQuery } from "../backend.js";
import type { FsContext } from "./context.js";
import { type WalkItem, walkObjects } from "./walk.js";

/** One page of ListObjects: the walk in key order, folding keys into common prefixes. */
export async function listObjects(
  fs: FsContext,
  loc: BucketLocation,
  q: ListQuery,
): Promise<ListPage> {
  const collapse = q.delimiter === "/";
  const entries: ListEntry[] = [];
  let lastPrefix: string | undefined;
  const { layout, cache } = fs;
  const walk = walkObjects(layout.objectsRoot(loc), cache.bucket(layout.bucketKey(loc)), {
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

/** Every object of the bucket, in key order. */
export function allObjects(fs: FsContext, loc: BucketLocation): AsyncGenerator<WalkItem> {
  const { layout, cache } = fs;
  return walkObjects(layout.objectsRoot(loc), cache.bucket(layout.bucketKey(loc)), {
    prefix: "",
    startAfter: "",
    startAfterIsPrefix: false,
    collapse: false,
  });
}
