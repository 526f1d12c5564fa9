import type { MinioClient } from "@isa-cloud/minio-client";
import { NotFoundError } from "@isa-cloud/rpc/wire";
import type { DatabaseLimits } from "../engine/sandbox.js";
import type { Generation } from "./generations.js";
import { type Owner, ownerSegment, storeKeys } from "./naming.js";

/**
 * What the service knows about one database, kept as a JSON object per database in the
 * system bucket (`registry/<owner>/<name>.json`), so a node with an empty local cache
 * still knows every database, its owner, metadata and limits.
 */
export interface DatabaseRecord {
  owner: Owner;
  name: string;
  /** The user who created (or restored) it; an organization database's creator. */
  createdBy: string;
  createdAt: string;
  metadata: Record<string, string>;
  limits: DatabaseLimits;
  /** DuckDB version that last wrote the stored file. */
  duckdbVersion: string;
  /** Size of the copy in object storage and when it was written. */
  storedBytes: number;
  storedAt: string;
  /** Tables at the last checkpoint. */
  tableCount: number;
  lastAccessedAt: string;
  /**
   * The current generation (the pointer, on one node); in a cluster etcd holds the
   * pointer and this is the last one the owner moved it to. Absent: the database's one
   * file is `databases/<owner>/<name>.duckdb`, stored before generations.
   */
  generation?: Generation;
}

interface OwnerEntries {
  /** Every record of the owner is loaded (after a listing), not just those asked for. */
  complete: boolean;
  records: Map<string, DatabaseRecord | null>;
}

/**
 * The registry, read through a per-owner cache. This node writes through it, so the cache
 * stays right as long as one node serves an owner's databases (the deployment the README
 * describes); a listing reloads the owner from the store.
 */
export class Registry {
  private readonly owners = new Map<string, OwnerEntries>();

  constructor(
    private readonly store: MinioClient,
    private readonly bucket: string,
  ) {}

  async get(owner: Owner, name: string): Promise<DatabaseRecord | undefined> {
    const entries = this.entries(owner);
    if (entries.records.has(name)) return entries.records.get(name) ?? undefined;
    const record = await this.read(storeKeys.registry(owner, name));
    if (!entries.records.has(name)) entries.records.set(name, record ?? null);
    return entries.records.get(name) ?? undefined;
  }

  async list(owner: Owner): Promise<DatabaseRecord[]> {
    const entries = this.entries(owner);
    if (!entries.complete) {
      const keys: string[] = [];
      for await (const item of this.store.listObjects(this.bucket, {
        prefix: storeKeys.registryPrefix(owner),
        recursive: true,
      })) {
        if ("key" in item && item.key.endsWith(".json")) keys.push(item.key);
      }
      const loaded = new Map<string, DatabaseRecord | null>();
      // A few reads at a time: an owner may have many databases.
      for (let at = 0; at < keys.length; at += 8) {
        const batch = await Promise.all(keys.slice(at, at + 8).map((key) => this.read(key)));
        for (const record of batch) if (record) loaded.set(record.name, record);
      }
      entries.records = loaded;
      entries.complete = true;
    }
    return [...entries.records.values()].filter((r): r is DatabaseRecord => r !== null);
  }

  async put(record: DatabaseRecord): Promise<void> {
    await this.store.putObject(
      this.bucket,
      storeKeys.registry(record.owner, record.name),
      JSON.stringify(record, null, 2),
      { contentType: "application/json" },
    );
    this.entries(record.owner).records.set(record.name, record);
  }

  async remove(owner: Owner, name: string): Promise<void> {
    await this.store.deleteObject(this.bucket, storeKeys.registry(owner, name));
    this.entries(owner).records.set(name, null);
  }

  private entries(owner: Owner): OwnerEntries {
    const segment = ownerSegment(owner);
    let entries = this.owners.get(segment);
    if (!entries) {
      entries = { complete: false, records: new Map() };
      this.owners.set(segment, entries);
    }
    return entries;
  }

  /** The record at `key`, read from the store (not the cache). */
  async read(key: string): Promise<DatabaseRecord | undefined> {
    try {
      return JSON.parse((await this.store.getObject(this.bucket, key)).toString("utf8"));
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }
}
