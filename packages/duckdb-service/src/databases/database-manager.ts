import type { MinioClient } from "@isa-cloud/minio-client";
import { KeyedMutex } from "@isa-cloud/rpc-server";
import { ServerError, Status } from "nice-grpc";
import type { Logger } from "pino";
import type { LimitCaps } from "../engine/limits.js";
import { type GenerationStore, newWriterId } from "./generations.js";
import { LocalCache } from "./local-cache.js";
import { Metrics } from "./metrics.js";
import { databaseKey, type Owner } from "./naming.js";
import type { OpenDatabase } from "./open-database.js";
import { DatabaseOpener } from "./open-or-takeover.js";
import { Persistence } from "./persistence.js";
import type { DatabaseRecord, Registry } from "./registry.js";

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
  /** The registry of database records in the system bucket. */
  registry: Registry;
  /** Where each database's current generation is named (registry record, or etcd). */
  generations: GenerationStore;
  logger: Logger;
}

/** A call's hold on an open database; release it when the call ends. */
export interface DatabaseLease {
  db: OpenDatabase;
  record: DatabaseRecord;
  release(): void;
}

/**
 * Owns every database: the registry, the local cache of files, the bounded set of open
 * instances (LRU) and their persistence to object storage (`Persistence`).
 *
 * Locking: `lifecycle` serializes open, close, delete and restore of one database;
 * `Persistence` serializes its uploads. How an instance is opened (from which copy, and
 * taking it over from another writer) is `DatabaseOpener`'s (`open-or-takeover.ts`).
 */
export class DatabaseManager {
  readonly registry: Registry;
  readonly metrics = new Metrics();
  /** Open databases in least-recently-used-first order (a Map keeps insertion order). */
  private readonly open = new Map<string, OpenDatabase>();
  private readonly lifecycle = new KeyedMutex();
  private readonly cache: LocalCache;
  private readonly persistence: Persistence;
  private readonly opener: DatabaseOpener;
  private evicting: Promise<void> | undefined;
  /** This process's id in generation keys: it appends segments only to its own. */
  private readonly writer = newWriterId();

  constructor(private readonly opts: DatabaseManagerOptions) {
    this.registry = opts.registry;
    this.cache = new LocalCache(opts.cacheDir);
    this.persistence = new Persistence({
      store: opts.store,
      bucket: opts.bucket,
      registry: this.registry,
      cache: this.cache,
      metrics: this.metrics,
      duckdbVersion: opts.duckdbVersion,
      generations: opts.generations,
      writer: this.writer,
    });
    this.opener = new DatabaseOpener({
      cache: this.cache,
      persistence: this.persistence,
      store: opts.store,
      bucket: opts.bucket,
      generations: opts.generations,
      writer: this.writer,
      limitCaps: opts.limitCaps,
      maxConnectionsPerDatabase: opts.maxConnectionsPerDatabase,
    });
  }

  /** Clears what a previous run may have left half-done and makes sure the bucket exists. */
  async start(): Promise<void> {
    await this.cache.start();
    await this.persistence.ensureBucket();
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
      // Whatever sits there belongs to no database (a crash during an earlier create).
      await this.cache.clear(record.owner, record.name);
      const pointer = await this.opts.generations.read(record);
      const db = await this.opener.open(record.owner, record.name, record.limits, pointer);
      const full: DatabaseRecord = { ...record, storedBytes: 0, storedAt: "", tableCount: 0 };
      try {
        db.dirty = true;
        await this.persistence.persist(db, full, true);
      } catch (err) {
        await this.closeInstance(db);
        await this.cache.remove(record.owner, record.name);
        await this.persistence.removeFiles(record).catch(() => {});
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
    if (ready && !ready.closing && !ready.fenced) {
      this.metrics.count(key, "cacheHits");
      return this.grant(ready, record, opts.touch ?? true);
    }
    return this.lifecycle.run(key, async () => {
      const again = this.open.get(key);
      if (again && !again.closing && !again.fenced) {
        this.metrics.count(key, "cacheHits");
        return this.grant(again, record, opts.touch ?? true);
      }
      if (again?.fenced) {
        // Another node moved its pointer: this copy is behind (or ahead with writes that
        // were never acknowledged). Reopen from what the pointer names.
        await again.takeOffline(true);
        await this.closeInstance(again);
        await this.cache.remove(record.owner, record.name);
      }
      this.metrics.count(key, "cacheMisses");
      const current = (await this.registry.get(record.owner, record.name)) ?? record;
      const db = await this.opener.openOrTakeOver(current);
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
    return (await this.cache.size(record.owner, record.name)) ?? record.storedBytes;
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
        await db.takeOffline(opts.force);
        try {
          if (!opts.fromStore) await this.persistence.persist(db, record, true);
        } finally {
          await this.closeInstance(db);
        }
      }
      await this.cache.remove(record.owner, record.name);
      if (opts.fromStore) {
        await this.persistence.remove(record.owner, record.name, key);
        this.metrics.forget(key);
      }
    });
  }

  /** Uploads a consistent copy as a backup; returns its key (the opaque backup path). */
  async backup(
    record: DatabaseRecord,
    backupName: string,
  ): Promise<{ path: string; size: number }> {
    return this.use(record, ({ db }) => this.persistence.backup(db, record, backupName));
  }

  /** The database a backup was taken of (see `Persistence.backupSource`). */
  backupSource(backupKey: string): Promise<string | undefined> {
    return this.persistence.backupSource(backupKey);
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
        await open.takeOffline(false);
        await this.closeInstance(open);
      }
      const path = await this.cache.clear(owner, target);
      await this.persistence.downloadBackup(opts.backupKey, path);
      const limits = existing?.limits ?? opts.template.limits;
      const pointer = await this.opts.generations.read(existing ?? { owner, name: target });
      let db: OpenDatabase;
      try {
        db = await this.opener.open(owner, target, limits, pointer);
      } catch (err) {
        await this.cache.remove(owner, target);
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
        await this.persistence.persist(db, record, true);
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
        if (db.closing || db.fenced || !(await db.changed())) return;
        const record = await this.recordOf(db);
        if (!record) return;
        try {
          const done = await this.persistence.persist(
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
            if (record) await this.persistence.persist(db, record, true);
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

  private async closeInstance(db: OpenDatabase): Promise<void> {
    if (this.open.get(db.key) === db) this.open.delete(db.key);
    await this.opener.discard(db);
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
              if (record) await this.persistence.persist(victim, record, true);
            } catch (err) {
              this.opts.logger.error(
                { err, database: victim.key },
                "checkpoint before eviction failed; the local file keeps the data",
              );
            } finally {
              this.metrics.count(victim.key, "evictions");
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
