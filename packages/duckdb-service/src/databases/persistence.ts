import { createWriteStream } from "node:fs";
import { copyFile, rm } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import type { MinioClient } from "@isa-cloud/minio-client";
import { NotFoundError } from "@isa-cloud/rpc/wire";
import { KeyedMutex } from "@isa-cloud/rpc-server";
import { ServerError, Status } from "nice-grpc";
import { countTables } from "../engine/catalog.js";
import {
  type DatabaseRef,
  FencedError,
  type GenerationStore,
  generationKeys,
  keysOf,
  nextGeneration,
  type Pointer,
} from "./generations.js";
import type { LocalCache } from "./local-cache.js";
import type { Metrics } from "./metrics.js";
import { type Owner, storeKeys } from "./naming.js";
import type { OpenDatabase } from "./open-database.js";
import type { DatabaseRecord, Registry } from "./registry.js";

export interface PersistenceOptions {
  /** Client of the storage service holding a system token. */
  store: MinioClient;
  /** System bucket of database files, registry and backups. */
  bucket: string;
  registry: Registry;
  cache: LocalCache;
  metrics: Metrics;
  duckdbVersion: string;
  generations: GenerationStore;
  /** This process's id in generation keys (`newWriterId`). */
  writer: string;
}

const CONTENT_TYPE = "application/vnd.duckdb";

/**
 * Moves database files between the local cache and the system bucket. A checkpoint is a
 * new generation: with the database's gate held exclusively (no statement runs),
 * CHECKPOINT folds the WAL into the file and the file is copied locally, so calls wait for
 * that copy, not for the upload; the copy goes up under a key of its own, then the pointer
 * moves to it (compare-and-swap, see generations.ts), then the generation it replaced is
 * deleted. Checkpoints of one database are serialized.
 */
export class Persistence {
  private readonly uploads = new KeyedMutex();

  constructor(private readonly opts: PersistenceOptions) {}

  /** Makes sure the system bucket exists. */
  async ensureBucket(): Promise<void> {
    const { store, bucket } = this.opts;
    if (await store.bucketExists(bucket)) return;
    await store.createBucket(bucket).catch(async (err) => {
      // Another node may have created it in between.
      if (!(await store.bucketExists(bucket))) throw err;
    });
  }

  /**
   * Checkpoints the database into a new generation when it changed, then updates its
   * record (in place too). False when skipped because `wait` is false and the database
   * was busy. A `FencedError` marks the database fenced.
   */
  async persist(db: OpenDatabase, record: DatabaseRecord, wait: boolean): Promise<boolean> {
    return this.uploads.run(db.key, async () => {
      if (db.closed) return true;
      const previous = db.wal.pointer;
      const next = nextGeneration(previous?.generation, this.opts.writer);
      let settle: ((outcome: Pointer | Error) => void) | undefined;
      const snapshot = await this.snapshot(db, {
        wait,
        clean: true,
        afterCheckpoint: async () => {
          settle = await db.wal.beginGeneration();
        },
      });
      if (snapshot === undefined) return false;
      if (snapshot === null) return true;
      const ref = { owner: record.owner, name: record.name };
      try {
        const { size } = await this.opts.store.putFile(
          this.opts.bucket,
          generationKeys.file(ref, next),
          snapshot.path,
          { contentType: CONTENT_TYPE },
        );
        const updated: DatabaseRecord = {
          ...record,
          storedBytes: size,
          storedAt: new Date().toISOString(),
          tableCount: snapshot.tables,
          lastAccessedAt: new Date(db.lastAccess).toISOString(),
          duckdbVersion: this.opts.duckdbVersion,
          generation: next,
        };
        settle?.(await this.opts.generations.swap(ref, previous, next, updated));
        Object.assign(record, updated);
        this.opts.metrics.count(db.key, "checkpoints");
        // Nobody reads the replaced generation any more; what this misses, the sweep takes.
        await this.deleteKeys(previous ? keysOf(ref, previous.generation) : [legacyKey(ref)]);
        return true;
      } catch (err) {
        settle?.(err as Error);
        if (err instanceof FencedError) db.fenced = true;
        db.dirty = true;
        this.opts.metrics.count(db.key, "checkpointFailures");
        throw err;
      } finally {
        await rm(snapshot.path, { force: true });
      }
    });
  }

  /** Uploads a consistent copy as a backup; returns its key (the opaque backup path). */
  async backup(
    db: OpenDatabase,
    record: DatabaseRecord,
    backupName: string,
  ): Promise<{ path: string; size: number }> {
    const path = storeKeys.backup(record.owner, record.name, backupName);
    const snapshot = await this.snapshot(db, { wait: true, clean: false });
    if (!snapshot) throw new Error("a waiting snapshot always runs");
    try {
      const { size } = await this.opts.store.putFile(this.opts.bucket, path, snapshot.path, {
        contentType: CONTENT_TYPE,
        // The key's segments may be hashes: the database's name travels here.
        metadata: { database: record.name, "duckdb-version": this.opts.duckdbVersion },
      });
      return { path, size };
    } finally {
      await rm(snapshot.path, { force: true });
    }
  }

  /**
   * The name of the database a backup was taken of, as the object says; NOT_FOUND when
   * there is no object at `key`, undefined when it was not made by BackupDatabase.
   */
  async backupSource(key: string): Promise<string | undefined> {
    try {
      const info = await this.opts.store.statObject(this.opts.bucket, key);
      return info.metadata.database;
    } catch (err) {
      if (err instanceof NotFoundError) {
        throw new ServerError(Status.NOT_FOUND, `backup ${JSON.stringify(key)} does not exist`);
      }
      throw err;
    }
  }

  /** Downloads the backup at `key` to `path`. */
  async downloadBackup(key: string, path: string): Promise<void> {
    await this.opts.store.downloadToFile(this.opts.bucket, key, path);
  }

  /**
   * Downloads the database as `pointer` names it into the local cache: the generation's
   * file and, beside it as the `.wal` DuckDB replays on open, its segments in order.
   */
  async download(record: DatabaseRecord, pointer: Pointer | undefined): Promise<void> {
    const ref = { owner: record.owner, name: record.name };
    const path = await this.opts.cache.clear(record.owner, record.name);
    const [file, ...segments] = pointer ? keysOf(ref, pointer.generation) : [legacyKey(ref)];
    try {
      await this.opts.store.downloadToFile(this.opts.bucket, file as string, path);
      for (const key of segments) {
        const { stream } = await this.opts.store.getObjectStream(this.opts.bucket, key);
        await pipeline(stream, createWriteStream(`${path}.wal`, { flags: "a" }));
      }
    } catch (err) {
      await this.opts.cache.remove(record.owner, record.name);
      if (err instanceof NotFoundError) {
        throw new ServerError(
          Status.DATA_LOSS,
          `database ${JSON.stringify(record.name)} is registered but its file is missing from storage`,
        );
      }
      throw err;
    }
  }

  /** Removes the database from storage: its record, pointer and generations (backups stay). */
  async remove(owner: Owner, name: string, databaseKey: string): Promise<void> {
    await this.uploads.run(databaseKey, async () => {
      await this.opts.registry.remove(owner, name);
      await this.removeFiles({ owner, name });
    });
  }

  /** Removes the stored generations and pointer alone (a create that failed half-way). */
  async removeFiles(ref: DatabaseRef): Promise<void> {
    await this.opts.generations.remove(ref);
    const keys = [legacyKey(ref)];
    for await (const item of this.opts.store.listObjects(this.opts.bucket, {
      prefix: generationKeys.prefix(ref),
      recursive: true,
    })) {
      if ("key" in item) keys.push(item.key);
    }
    await this.deleteKeys(keys);
  }

  private async deleteKeys(keys: string[]): Promise<void> {
    await this.opts.store.deleteObjects(this.opts.bucket, keys).catch(() => {});
  }

  /**
   * A consistent copy of the database file, taken with the gate held exclusively: no
   * statement runs, CHECKPOINT has folded the WAL into the file, and the copy is local
   * and fast. Undefined when `wait` is false and the database is busy; null when `clean`
   * is asked and nothing changed.
   */
  private async snapshot(
    db: OpenDatabase,
    opts: { wait: boolean; clean: boolean; afterCheckpoint?: () => Promise<void> },
  ): Promise<{ path: string; tables: number } | null | undefined> {
    return db.exclusive(async (conn) => {
      if (opts.clean && !(await db.changed())) return null;
      await conn.run("CHECKPOINT");
      await opts.afterCheckpoint?.();
      const tables = await countTables(conn);
      const path = this.opts.cache.snapshotPath();
      await copyFile(db.localPath, path);
      if (opts.clean) db.dirty = false;
      return { path, tables };
    }, opts.wait);
  }
}

/** The one file of a database stored before generations. */
function legacyKey(ref: DatabaseRef): string {
  return storeKeys.database(ref.owner, ref.name);
}

/** The object key of the file a database's record names (DatabaseInfo's `minio_path`). */
export function storedFileKey(record: DatabaseRecord): string {
  return record.generation ? generationKeys.file(record, record.generation) : legacyKey(record);
}
