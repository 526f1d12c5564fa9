import { copyFile, rm } from "node:fs/promises";
import type { MinioClient } from "@isa-cloud/minio-client";
import { NotFoundError } from "@isa-cloud/rpc/wire";
import { KeyedMutex } from "@isa-cloud/rpc-server";
import { ServerError, Status } from "nice-grpc";
import { countTables } from "../engine/catalog.js";
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
}

const CONTENT_TYPE = "application/vnd.duckdb";

/**
 * Moves database files between the local cache and the system bucket. An upload is of a
 * snapshot taken as a checkpoint: with the database's gate held exclusively (no statement
 * runs), CHECKPOINT folds the WAL into the file and the file is copied locally, so calls
 * wait for that copy, not for the upload. Uploads of one database are serialized, so an
 * older copy never lands after a newer one.
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
   * Checkpoints and uploads the database when it changed, then updates its record (in
   * place too). False when skipped because `wait` is false and the database was busy.
   */
  async persist(db: OpenDatabase, record: DatabaseRecord, wait: boolean): Promise<boolean> {
    return this.uploads.run(db.key, async () => {
      if (db.closed) return true;
      const snapshot = await this.snapshot(db, { wait, clean: true });
      if (snapshot === undefined) return false;
      if (snapshot === null) return true;
      try {
        const { size } = await this.opts.store.putFile(
          this.opts.bucket,
          storeKeys.database(record.owner, record.name),
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
        };
        await this.opts.registry.put(updated);
        Object.assign(record, updated);
        this.opts.metrics.count(db.key, "checkpoints");
        return true;
      } catch (err) {
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

  /** Downloads the stored file of a registered database into the local cache. */
  async download(record: DatabaseRecord): Promise<void> {
    const path = await this.opts.cache.clear(record.owner, record.name);
    try {
      await this.opts.store.downloadToFile(
        this.opts.bucket,
        storeKeys.database(record.owner, record.name),
        path,
      );
    } catch (err) {
      if (err instanceof NotFoundError) {
        throw new ServerError(
          Status.DATA_LOSS,
          `database ${JSON.stringify(record.name)} is registered but its file is missing from storage`,
        );
      }
      throw err;
    }
  }

  /** Removes the database from storage: its record and its file (backups stay). */
  async remove(owner: Owner, name: string, databaseKey: string): Promise<void> {
    await this.uploads.run(databaseKey, async () => {
      await this.opts.registry.remove(owner, name);
      await this.removeFile(owner, name);
    });
  }

  /** Removes the stored file alone (a create that failed half-way). */
  async removeFile(owner: Owner, name: string): Promise<void> {
    await this.opts.store.deleteObject(this.opts.bucket, storeKeys.database(owner, name));
  }

  /**
   * A consistent copy of the database file, taken with the gate held exclusively: no
   * statement runs, CHECKPOINT has folded the WAL into the file, and the copy is local
   * and fast. Undefined when `wait` is false and the database is busy; null when `clean`
   * is asked and nothing changed.
   */
  private async snapshot(
    db: OpenDatabase,
    opts: { wait: boolean; clean: boolean },
  ): Promise<{ path: string; tables: number } | null | undefined> {
    return db.exclusive(async (conn) => {
      if (opts.clean && !(await db.changed())) return null;
      await conn.run("CHECKPOINT");
      const tables = await countTables(conn);
      const path = this.opts.cache.snapshotPath();
      await copyFile(db.localPath, path);
      if (opts.clean) db.dirty = false;
      return { path, tables };
    }, opts.wait);
  }
}
