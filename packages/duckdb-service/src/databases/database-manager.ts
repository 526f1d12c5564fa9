import { randomUUID } from "node:crypto";
import { copyFile, mkdir, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { MinioClient } from "@isa-cloud/minio-client";
import { NotFoundError } from "@isa-cloud/rpc";
import { ServerError, Status } from "nice-grpc";
import type { Logger } from "pino";
import { KeyedMutex } from "./keyed-mutex.js";
import { clampLimits, type LimitCaps } from "./limits.js";
import { databaseKey, localDatabasePath, type Owner, storeKeys } from "./naming.js";
import { OpenDatabase } from "./open-database.js";
import type { DatabaseRecord } from "./registry.js";
import { Registry } from "./registry.js";
import type { DatabaseLimits } from "./sandbox.js";

/** Scheduled rounds a busy database may skip before a round waits for its calls. */
const MAX_SKIPPED_CHECKPOINTS = 5;

export interface DatabaseManagerOptions {
  /** Local cache root: database files, staging and snapshot directories. */
  cacheDir: string;
  /** Client of the storage service holding a system token. */
  store: MinioClient;
  /** System bucket of database files, registry and backups. */
  bucket: string;
  /** Databases kept open at once; the least recently used idle one is closed beyond it. */
  maxOpenDatabases: number;
  /** Connections per open database. */
  maxConnectionsPerDatabase: number;
  /** Each open database's share of the process-wide budget; stored limits above it are lowered. */
  limitCaps: LimitCaps;
  duckdbVersion: string;
  logger: Logger;
}

/** A call's hold on an open database; release it when the call ends. */
export interface DatabaseLease {
  db: OpenDatabase;
  record: DatabaseRecord;
  release(): void;
}

export interface ManagerMetrics {
  cacheHits: number;
  cacheMisses: number;
  checkpoints: number;
  checkpointFailures: number;
  evictions: number;
}

/**
 * Owns every database: the registry, the local cache of files, the bounded set of open
 * instances (LRU), and persistence to object storage (checkpoint, then upload a copy of
 * the file taken while no statement runs).
 *
 * Locking: `lifecycle` serializes open, close, delete and restore of one database;
 * `persisting` serializes its uploads, so an older copy never lands after a newer one.
 */
export class DatabaseManager {
  readonly registry: Registry;
  readonly metrics: ManagerMetrics = {
    cacheHits: 0,
    cacheMisses: 0,
    checkpoints: 0,
    checkpointFailures: 0,
    evictions: 0,
  };
  /** Open databases in least-recently-used-first order (a Map keeps insertion order). */
  private readonly open = new Map<string, OpenDatabase>();
  private readonly lifecycle = new KeyedMutex();
  private readonly persisting = new KeyedMutex();
  private evicting: Promise<void> | undefined;

  constructor(private readonly opts: DatabaseManagerOptions) {
    this.registry = new Registry(opts.store, opts.bucket);
  }

  /** Clears what a previous run may have left half-done and makes sure the bucket exists. */
  async start(): Promise<void> {
    await rm(this.stagingRoot, { recursive: true, force: true });
    await rm(this.snapshotRoot, { recursive: true, force: true });
    await mkdir(this.stagingRoot, { recursive: true });
    await mkdir(this.snapshotRoot, { recursive: true });
    if (!(await this.opts.store.bucketExists(this.opts.bucket))) {
      await this.opts.store.createBucket(this.opts.bucket).catch(async (err) => {
        // Another node may have created it in between.
        if (!(await this.opts.store.bucketExists(this.opts.bucket))) throw err;
      });
    }
  }

  get openDatabases(): OpenDatabase[] {
    return [...this.open.values()];
  }

  get activeConnections(): number {
    let n = 0;
    for (const db of this.open.values()) n += db.activeConnections;
    return n;
  }

  /** The owner's database called `name`, if it exists. */
  async find(owner: Owner, name: string): Promise<DatabaseRecord | undefined> {
    return this.registry.get(owner, name);
  }

  async create(record: Omit<DatabaseRecord, "storedBytes" | "storedAt" | "tableCount">) {
    const key = databaseKey(record.owner, record.name);
    return this.lifecycle.run(key, async () => {
      if (await this.registry.get(record.owner, record.name)) {
        throw new ServerError(
          Status.ALREADY_EXISTS,
          `database ${JSON.stringify(record.name)} already exists`,
        );
      }
      const path = this.localPath(record.owner, record.name);
      // Whatever sits there belongs to no database (a crash during an earlier create).
      await removeDatabaseFiles(path);
      await mkdir(dirname(path), { recursive: true });
      const db = await this.openInstance(record.owner, record.name, record.limits);
      const full: DatabaseRecord = { ...record, storedBytes: 0, storedAt: "", tableCount: 0 };
      try {
        db.dirty = true;
        await this.persist(db, full, true);
      } catch (err) {
        await this.closeInstance(db);
        await removeDatabaseFiles(path);
        await this.opts.store
          .deleteObject(this.opts.bucket, storeKeys.database(record.owner, record.name))
          .catch(() => {});
        throw err;
      }
      this.open.set(key, db);
      this.evictLater();
      return full;
    });
  }

  /** Opens (or reuses) the database for one call. `touch: false` leaves last access as is. */
  async lease(record: DatabaseRecord, opts: { touch?: boolean } = {}): Promise<DatabaseLease> {
    const key = databaseKey(record.owner, record.name);
    const ready = this.open.get(key);
    if (ready && !ready.closing) {
      this.metrics.cacheHits++;
      return this.grant(ready, record, opts.touch ?? true);
    }
    return this.lifecycle.run(key, async () => {
      const again = this.open.get(key);
      if (again && !again.closing) {
        this.metrics.cacheHits++;
        return this.grant(again, record, opts.touch ?? true);
      }
      this.metrics.cacheMisses++;
      const current = (await this.registry.get(record.owner, record.name)) ?? record;
      const db = await this.openFromCache(current);
      this.open.set(key, db);
      const lease = this.grant(db, current, opts.touch ?? true);
      this.evictLater();
      return lease;
    });
  }

  /** Runs `fn` with the database leased. */
  async use<T>(record: DatabaseRecord, fn: (lease: DatabaseLease) => Promise<T>): Promise<T> {
    const lease = await this.lease(record);
    try {
      return await fn(lease);
    } finally {
      lease.release();
    }
  }

  /** Bytes of the local file and its WAL, or of the stored copy when not cached. */
  async sizeOf(record: DatabaseRecord): Promise<number> {
    const path = this.localPath(record.owner, record.name);
    const [db, wal] = await Promise.all([fileSize(path), fileSize(`${path}.wal`)]);
    return db === undefined ? record.storedBytes : db + (wal ?? 0);
  }

  lastAccess(record: DatabaseRecord): Date {
    const db = this.open.get(databaseKey(record.owner, record.name));
    return db ? new Date(db.lastAccess) : new Date(record.lastAccessedAt);
  }

  /**
   * Deletes the local copy and, with `fromStore`, the database itself (registry entry and
   * stored file; backups stay). Without `fromStore` the latest state is uploaded first, so
   * the database reopens from storage on next use.
   */
  async delete(record: DatabaseRecord, opts: { fromStore: boolean; force: boolean }) {
    const key = databaseKey(record.owner, record.name);
    await this.lifecycle.run(key, async () => {
      const db = this.open.get(key);
      if (db) {
        await this.takeOffline(db, opts.force);
        try {
          if (!opts.fromStore) await this.persist(db, record, true);
        } finally {
          await this.closeInstance(db);
        }
      }
      await removeDatabaseFiles(this.localPath(record.owner, record.name));
      if (opts.fromStore) {
        await this.persisting.run(key, async () => {
          await this.registry.remove(record.owner, record.name);
          await this.opts.store.deleteObject(
            this.opts.bucket,
            storeKeys.database(record.owner, record.name),
          );
        });
      }
    });
  }

  /** Uploads a consistent copy as a backup; returns its key (the opaque backup path). */
  async backup(
    record: DatabaseRecord,
    backupName: string,
  ): Promise<{ path: string; size: number }> {
    const path = storeKeys.backup(record.owner, record.name, backupName);
    return this.use(record, async ({ db }) => {
      const snapshot = await this.snapshot(db, { wait: true, clean: false });
      if (!snapshot) throw new Error("a waiting snapshot always runs");
      try {
        const { size } = await this.opts.store.putFile(this.opts.bucket, path, snapshot.path, {
          contentType: "application/vnd.duckdb",
          metadata: { database: record.name, "duckdb-version": this.opts.duckdbVersion },
        });
        return { path, size };
      } finally {
        await rm(snapshot.path, { force: true });
      }
    });
  }

  /**
   * Makes the backup at `backupKey` the database `target` (replacing it when it exists and
   * `replace` is set). The file is checked by opening it before anything is overwritten in
   * storage.
   */
  async restore(opts: {
    backupKey: string;
    owner: Owner;
    target: string;
    replace: boolean;
    template: Omit<DatabaseRecord, "storedBytes" | "storedAt" | "tableCount">;
  }): Promise<DatabaseRecord> {
    const { owner, target } = opts;
    const key = databaseKey(owner, target);
    try {
      await this.opts.store.statObject(this.opts.bucket, opts.backupKey);
    } catch (err) {
      if (err instanceof NotFoundError) {
        throw new ServerError(
          Status.NOT_FOUND,
          `backup ${JSON.stringify(opts.backupKey)} does not exist`,
        );
      }
      throw err;
    }
    return this.lifecycle.run(key, async () => {
      const existing = await this.registry.get(owner, target);
      if (existing && !opts.replace) {
        throw new ServerError(
          Status.ALREADY_EXISTS,
          `database ${JSON.stringify(target)} already exists; pick another new_database_name`,
        );
      }
      const open = this.open.get(key);
      if (open) {
        await this.takeOffline(open, false);
        await this.closeInstance(open);
      }
      const path = this.localPath(owner, target);
      await removeDatabaseFiles(path);
      await mkdir(dirname(path), { recursive: true });
      await this.opts.store.downloadToFile(this.opts.bucket, opts.backupKey, path);
      const limits = existing?.limits ?? opts.template.limits;
      let db: OpenDatabase;
      try {
        db = await this.openInstance(owner, target, limits);
      } catch (err) {
        await removeDatabaseFiles(path);
        throw new ServerError(
          Status.FAILED_PRECONDITION,
          `the backup is not a database this server can open: ${(err as Error).message}`,
        );
      }
      const record: DatabaseRecord = {
        ...(existing ?? { ...opts.template, storedBytes: 0, storedAt: "", tableCount: 0 }),
        limits,
      };
      try {
        db.dirty = true;
        await this.persist(db, record, true);
      } catch (err) {
        await this.closeInstance(db);
        throw err;
      }
      this.open.set(key, db);
      this.evictLater();
      return record;
    });
  }

  /**
   * Checkpoints and uploads every open database that changed. `wait: false` skips busy
   * ones (the schedule: a long query must not stall new calls), but not more than
   * `MAX_SKIPPED_CHECKPOINTS` times in a row, so a database that is never idle is still
   * saved; shutdown waits.
   */
  async checkpointAll(wait: boolean): Promise<void> {
    await Promise.all(
      [...this.open.values()].map(async (db) => {
        if (!db.dirty || db.closing) return;
        const record = await this.recordOf(db);
        if (!record) return;
        try {
          const done = await this.persist(
            db,
            record,
            wait || db.skippedCheckpoints >= MAX_SKIPPED_CHECKPOINTS,
          );
          db.skippedCheckpoints = done ? 0 : db.skippedCheckpoints + 1;
        } catch (err) {
          this.opts.logger.error({ err, database: db.key }, "checkpoint failed; will retry");
        }
      }),
    );
  }

  /** Checkpoints and closes everything (after the gRPC server has drained its calls). */
  async close(): Promise<void> {
    await this.evicting;
    await Promise.all(
      [...this.open.values()].map((db) =>
        this.lifecycle.run(db.key, async () => {
          db.closing = true;
          try {
            const record = await this.recordOf(db);
            if (record) await this.persist(db, record, true);
          } catch (err) {
            this.opts.logger.error(
              { err, database: db.key },
              "final checkpoint failed; the local file keeps the data",
            );
          } finally {
            await this.closeInstance(db);
          }
        }),
      ),
    );
  }

  /** Stages a file name under the database's staging directory (inside its sandbox). */
  stagingFile(db: OpenDatabase, extension: string): string {
    return join(db.stagingDir, `${randomUUID()}.${extension}`);
  }

  private get stagingRoot(): string {
    return join(this.opts.cacheDir, "staging");
  }

  private get snapshotRoot(): string {
    return join(this.opts.cacheDir, "snapshots");
  }

  private localPath(owner: Owner, name: string): string {
    return localDatabasePath(this.opts.cacheDir, owner, name);
  }

  private grant(db: OpenDatabase, record: DatabaseRecord, touch: boolean): DatabaseLease {
    db.leases++;
    if (touch) db.lastAccess = Date.now();
    // Re-inserting moves it to the most recently used end.
    this.open.delete(db.key);
    this.open.set(db.key, db);
    let released = false;
    return {
      db,
      record,
      release: () => {
        if (released) return;
        released = true;
        db.leases--;
        this.evictLater();
      },
    };
  }

  private recordOf(db: OpenDatabase): Promise<DatabaseRecord | undefined> {
    return this.registry.get(db.owner, db.name);
  }

  private async openFromCache(record: DatabaseRecord): Promise<OpenDatabase> {
    const path = this.localPath(record.owner, record.name);
    if ((await fileSize(path)) === undefined) {
      // Not cached here (a fresh node, or the local copy was dropped): fetch the stored one.
      await removeDatabaseFiles(path);
      await mkdir(dirname(path), { recursive: true });
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
    return this.openInstance(record.owner, record.name, record.limits);
  }

  private async openInstance(
    owner: Owner,
    name: string,
    limits: DatabaseLimits,
  ): Promise<OpenDatabase> {
    const stagingDir = join(this.stagingRoot, randomUUID());
    await mkdir(stagingDir, { recursive: true });
    try {
      return await OpenDatabase.open({
        owner,
        name,
        localPath: this.localPath(owner, name),
        stagingDir,
        limits: clampLimits(limits, this.opts.limitCaps),
        maxConnections: this.opts.maxConnectionsPerDatabase,
      });
    } catch (err) {
      await rm(stagingDir, { recursive: true, force: true });
      throw err;
    }
  }

  private async closeInstance(db: OpenDatabase): Promise<void> {
    db.closing = true;
    db.close();
    if (this.open.get(db.key) === db) this.open.delete(db.key);
    await rm(db.stagingDir, { recursive: true, force: true });
  }

  /** Stops new calls and waits for running ones; `force` interrupts them instead of refusing. */
  private async takeOffline(db: OpenDatabase, force: boolean): Promise<void> {
    if (db.leases > 0 && !force) {
      throw new ServerError(
        Status.FAILED_PRECONDITION,
        `the database is in use by ${db.leases} running call(s); retry when they finish, or set force`,
      );
    }
    db.closing = true;
    if (!force) {
      await db.exclusive(async () => {}, true);
      return;
    }
    // Repeated: an interrupt reaching a connection between two statements is dropped.
    db.interruptAll();
    const ticker = setInterval(() => db.interruptAll(), 50);
    try {
      await db.exclusive(async () => {}, true);
    } finally {
      clearInterval(ticker);
    }
  }

  /**
   * A consistent copy of the database file, taken with the gate held exclusively: no
   * statement runs, CHECKPOINT has folded the WAL into the file, and the copy is local
   * and fast, so calls wait only for that. Undefined when `wait` is false and the
   * database is busy; null when `clean` is asked and nothing changed.
   */
  private async snapshot(
    db: OpenDatabase,
    opts: { wait: boolean; clean: boolean },
  ): Promise<{ path: string; tables: number } | null | undefined> {
    return db.exclusive(async (conn) => {
      if (opts.clean && !db.dirty) return null;
      await conn.run("CHECKPOINT");
      const tables = await countTables(conn);
      const path = join(this.snapshotRoot, `${randomUUID()}.duckdb`);
      await copyFile(db.localPath, path);
      if (opts.clean) db.dirty = false;
      return { path, tables };
    }, opts.wait);
  }

  /** Checkpoint and upload when dirty; false when skipped because the database was busy. */
  private async persist(db: OpenDatabase, record: DatabaseRecord, wait: boolean): Promise<boolean> {
    return this.persisting.run(db.key, async () => {
      if (db.closed) return true;
      const snapshot = await this.snapshot(db, { wait, clean: true });
      if (snapshot === undefined) return false;
      if (snapshot === null) return true;
      try {
        const { size } = await this.opts.store.putFile(
          this.opts.bucket,
          storeKeys.database(record.owner, record.name),
          snapshot.path,
          { contentType: "application/vnd.duckdb" },
        );
        const updated: DatabaseRecord = {
          ...record,
          storedBytes: size,
          storedAt: new Date().toISOString(),
          tableCount: snapshot.tables,
          lastAccessedAt: new Date(db.lastAccess).toISOString(),
          duckdbVersion: this.opts.duckdbVersion,
        };
        await this.registry.put(updated);
        Object.assign(record, updated);
        this.metrics.checkpoints++;
        return true;
      } catch (err) {
        db.dirty = true;
        this.metrics.checkpointFailures++;
        throw err;
      } finally {
        await rm(snapshot.path, { force: true });
      }
    });
  }

  /** Closes least recently used idle databases beyond the bound, in the background. */
  private evictLater(): void {
    if (this.evicting || this.open.size <= this.opts.maxOpenDatabases) return;
    this.evicting = (async () => {
      try {
        while (this.open.size > this.opts.maxOpenDatabases) {
          const victim = [...this.open.values()].find((db) => db.leases === 0 && !db.closing);
          if (!victim) return;
          // Marked before any await: a lease arriving now takes the slow path and waits.
          victim.closing = true;
          await this.lifecycle.run(victim.key, async () => {
            try {
              const record = await this.recordOf(victim);
              if (record) await this.persist(victim, record, true);
            } catch (err) {
              this.opts.logger.error(
                { err, database: victim.key },
                "checkpoint before eviction failed; the local file keeps the data",
              );
            } finally {
              this.metrics.evictions++;
              await this.closeInstance(victim);
            }
          });
        }
      } finally {
        this.evicting = undefined;
      }
    })();
  }
}

export async function countTables(conn: DuckDBConnection): Promise<number> {
  const reader = await conn.runAndReadAll(
    "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND NOT temporary",
  );
  return Number(reader.getRows()[0]?.[0] ?? 0);
}

async function fileSize(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

async function removeDatabaseFiles(path: string): Promise<void> {
  await Promise.all([
    rm(path, { force: true }),
    rm(`${path}.wal`, { force: true }),
    rm(`${path}.tmp`, { recursive: true, force: true }),
  ]);
}
