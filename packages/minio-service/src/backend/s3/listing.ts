import { compareUtf8 } from "../../compare-utf8.js";
import type { BucketLocation } from "../../tenant.js";
import { normalizeEtag } from "../../validation.js";
import type { ListEntry, ListPage, ListQuery } from "../backend.js";
import { dataPrefix } from "./layout.js";
import type { S3Store } from "./store.js";

/**
 * One page of ListObjects: the store's listing under the bucket's prefix, keys and common
 * prefixes merged in byte order, dropping whatever the store repeats or puts before the start.
 */
export async function listObjects(
  store: S3Store,
  loc: BucketLocation,
  q: ListQuery,
): Promise<ListPage> {
  const base = dataPrefix(loc);
  const wanted = q.limit + 1;
  const entries: ListEntry[] = [];
  let last: string | undefined;
  let marker = q.startAfter;
  for (;;) {
    const out = await store.listPage(
      base + q.prefix,
      q.delimiter,
      marker ? base + marker : "",
      // At least 2: a store may repeat the marker's common prefix first, and must still progress.
      Math.max(2, Math.min(1000, wanted - entries.length)),
    );
    const batch: Array<{ sort: string; entry: ListEntry }> = [];
    for (const item of out.Contents ?? []) {
      if (!item.Key?.startsWith(base)) continue;
      const key = item.Key.slice(base.length);
      batch.push({
        sort: key,
        entry: {
          kind: "object",
          object: {
            key,
            size: item.Size ?? 0,
            etag: normalizeEtag(item.ETag ?? ""),
            lastModified: item.LastModified ?? new Date(0),
          },
        },
      });
    }
    for (const item of out.CommonPrefixes ?? []) {
      if (!item.Prefix?.startsWith(base)) continue;
      const prefix = item.Prefix.slice(base.length);
      batch.push({ sort: prefix, entry: { kind: "prefix", prefix } });
    }
    batch.sort((a, b) => compareUtf8(a.sort, b.sort));
    for (const { sort, entry } of batch) {
      // Whatever the store repeats (a prefix at a page edge, the start point) is dropped here.
      if (last !== undefined && compareUtf8(sort, last) <= 0) continue;
      if (!keep(sort, entry.kind, q)) continue;
      entries.push(entry);
      last = sort;
      if (entries.length === wanted) {
        return { entries: entries.slice(0, q.limit), truncated: true };
      }
    }
    const lastOfBatch = batch.at(-1)?.sort;
    if (!out.IsTruncated || lastOfBatch === undefined || lastOfBatch === marker) {
      return { entries, truncated: false };
    }
    marker = lastOfBatch;
  }
}

function keep(sort: string, kind: ListEntry["kind"], q: ListQuery): boolean {
  if (q.startAfterIsPrefix && q.startAfter !== "")
    return compareUtf8(sort, q.startAfter) > 0 && !sort.startsWith(q.startAfter);
  // A common prefix before start_after still counts when keys after start_after roll up into it.
  return kind === "prefix" || compareUtf8(sort, q.startAfter) > 0;
}
