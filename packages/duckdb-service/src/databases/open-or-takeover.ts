import { rm } from "node:fs/promises";
import type { MinioClient } from "@isa-cloud/minio-client";
import { clampLimits, type LimitCaps } from "../engine/limits.js";
import type { DatabaseLimits } from "../engine/sandbox.js";
import type { GenerationStore, Pointer } from "./generations.js";
import type { LocalCache } from "./local-cache.js";
import type { Owner } from "./naming.js";
import { OpenDatabase } from "./open-database.js";
import type { Persistence } from "./persistence.js";
import type { DatabaseRecord } from "./registry.js";
import { WalShipper } from "./wal-shipper.js";

export interface DatabaseOpenerOptions {
  cache: LocalCache;
  persistence: Persistence;
  store: MinioClient;
  bucket: string;
  generations: GenerationStore;
  /** This process's id in generation keys (see `newWriterId`). */
  writer: string;
  limitCaps: LimitCaps;
  maxConnectionsPerDatabase: number;
}

/**
 * Opening one database instance, and taking a database over from whatever wrote it last
 * (another node, or an earlier run of this one). Kept apart from `DatabaseManager`, which
 * decides when to open and close (leases, LRU, lifecycle lock); this decides how: which
 * copy to open from and whether the instance must first start a generation of its own.
 * Callers hold the database's lifecycle lock.
 */
export class DatabaseOpener {
  constructor(private readonly opts: DatabaseOpenerOptions) {}

  /**
   * Opens the database for serving: from the local copy (one node, when it has one) or
   * from what the pointer names, then, in a cluster, checkpoints into a generation of this
   * process's own unless it already serves one without segments.
   */
  async openOrTakeOver(record: DatabaseRecord): Promise<OpenDatabase> {
    const { cache, persistence, generations, writer } = this.opts;
    const pointer = await generations.read(record);
    const shipsWal = generations.shipsWal;
    // In a cluster the pointer, not the local copy, says what is current: another node
    // may have written since this one last held the database.
    if (shipsWal || (await cache.size(record.owner, record.name)) === undefined) {
      await persistence.download(record, pointer);
    }
    const db = await this.open(record.owner, record.name, record.limits, pointer);
    const own = pointer?.generation.writer === writer && pointer.generation.segments === 0;
    if (shipsWal && !own) {
      // Segments are appended only to a generation of this process's own, so a stale
      // node still appending to the one it made never writes a key this node writes; and
      // only to one without segments, as a replay may cut a torn tail off the WAL, after
      // which the shipped offsets would not match the file.
      db.dirty = true;
      try {
        await persistence.persist(db, record, true);
      } catch (err) {
        await this.discard(db);
        throw err;
      }
    }
    return db;
  }

  /** Opens the file at the database's local path as it is, WAL shipping from `pointer`. */
  async open(
    owner: Owner,
    name: string,
    limits: DatabaseLimits,
    pointer: Pointer | undefined,
  ): Promise<OpenDatabase> {
    const { cache, store, bucket, generations } = this.opts;
    const stagingDir = await cache.newStagingDir();
    const localPath = cache.databasePath(owner, name);
    const wal = new WalShipper(
      { ref: { owner, name }, walPath: `${localPath}.wal`, store, bucket, generations },
      pointer,
    );
    try {
      return await OpenDatabase.open({
        owner,
        name,
        localPath,
        stagingDir,
        limits: clampLimits(limits, this.opts.limitCaps),
        maxConnections: this.opts.maxConnectionsPerDatabase,
        wal,
        serviceCheckpoints: generations.shipsWal,
      });
    } catch (err) {
      await rm(stagingDir, { recursive: true, force: true });
      throw err;
    }
  }

  /** Closes the instance and removes its staging directory (the database file stays). */
  async discard(db: OpenDatabase): Promise<void> {
    db.closing = true;
    db.close();
    await rm(db.stagingDir, { recursive: true, force: true });
  }
}
