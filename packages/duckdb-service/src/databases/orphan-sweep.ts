import type { MinioClient } from "@isa-cloud/minio-client";
import { type GenerationStore, keysOf } from "./generations.js";
import { storeKeys, storePath } from "./naming.js";
import type { DatabaseRecord, Registry } from "./registry.js";

export interface SweepOptions {
  store: MinioClient;
  bucket: string;
  registry: Registry;
  generations: GenerationStore;
  /** Only objects older than this are candidates: a newer one may be about to be named. */
  olderThanMs: number;
  now?: number;
}

/**
 * Deletes the objects under `databases/` that no pointer names and that are older than
 * `olderThanMs`: a stale node's uploads after it was fenced, a generation whose pointer
 * swap failed, what a delete after a checkpoint missed, databases deleted half-way. A
 * generation is uploaded before its pointer moves, within seconds, so an object older
 * than the bound that the pointer does not name never will be. Returns how many went.
 */
export async function sweepOrphans(opts: SweepOptions): Promise<number> {
  const { store, bucket, registry, generations } = opts;
  const cutoff = (opts.now ?? Date.now()) - opts.olderThanMs;
  const old = new Map<string, string[]>();
  for await (const item of store.listObjects(bucket, { prefix: "databases/", recursive: true })) {
    if (!("key" in item) || item.lastModified.getTime() > cutoff) continue;
    const path = databasePathOf(item.key);
    if (path === undefined) continue;
    old.set(path, [...(old.get(path) ?? []), item.key]);
  }
  if (old.size === 0) return 0;
  // Read after the listing: a pointer that moved meanwhile names only newer objects.
  const records = new Map<string, DatabaseRecord>();
  for await (const item of store.listObjects(bucket, { prefix: "registry/", recursive: true })) {
    if (!("key" in item) || !item.key.endsWith(".json")) continue;
    const record = await registry.read(item.key);
    if (record) records.set(storePath(record.owner, record.name), record);
  }
  const doomed: string[] = [];
  for (const [path, keys] of old) {
    const record = records.get(path);
    let named = new Set<string>();
    if (record) {
      const pointer = await generations.read(record);
      named = new Set(
        pointer
          ? keysOf(record, pointer.generation)
          : [storeKeys.database(record.owner, record.name)],
      );
    }
    doomed.push(...keys.filter((key) => !named.has(key)));
  }
  if (doomed.length > 0) await store.deleteObjects(bucket, doomed);
  return doomed.length;
}

/** `<owner>/<name>` of a key under `databases/`: a generation's object or a pre-generation file. */
function databasePathOf(key: string): string | undefined {
  const [, owner, name, generation] = key.split("/");
  if (!owner || !name) return undefined;
  if (generation === undefined)
    return name.endsWith(".duckdb") ? `${owner}/${name.slice(0, -7)}` : undefined;
  return `${owner}/${name}`;
}
