import { randomUUID } from "node:crypto";
import { mkdir, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { localDatabasePath, type Owner } from "./naming.js";

/**
 * The node's local cache: database files (DuckDB keeps its WAL and spill files beside
 * each), a staging directory per open database, and snapshots on their way to storage.
 * Only database files outlive a restart; staging and snapshots are emptied at start.
 */
export class LocalCache {
  private readonly stagingRoot: string;
  private readonly snapshotRoot: string;

  constructor(private readonly root: string) {
    this.stagingRoot = join(root, "staging");
    this.snapshotRoot = join(root, "snapshots");
  }

  /** Clears what a previous run may have left half-done. */
  async start(): Promise<void> {
    for (const dir of [this.stagingRoot, this.snapshotRoot]) {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
    }
  }

  databasePath(owner: Owner, name: string): string {
    return localDatabasePath(this.root, owner, name);
  }

  /** Removes whatever files of the database are here. */
  async remove(owner: Owner, name: string): Promise<void> {
    const path = this.databasePath(owner, name);
    await Promise.all([
      rm(path, { force: true }),
      rm(`${path}.wal`, { force: true }),
      rm(`${path}.tmp`, { recursive: true, force: true }),
    ]);
  }

  /** Removes whatever files of the database are here and returns where a new file goes. */
  async clear(owner: Owner, name: string): Promise<string> {
    await this.remove(owner, name);
    const path = this.databasePath(owner, name);
    await mkdir(dirname(path), { recursive: true });
    return path;
  }

  /** Bytes of the file and its WAL; undefined when the database is not cached here. */
  async size(owner: Owner, name: string): Promise<number | undefined> {
    const path = this.databasePath(owner, name);
    const [db, wal] = await Promise.all([fileSize(path), fileSize(`${path}.wal`)]);
    return db === undefined ? undefined : db + (wal ?? 0);
  }

  /** A new staging directory for one open database: the one directory its SQL may read. */
  async newStagingDir(): Promise<string> {
    const dir = join(this.stagingRoot, randomUUID());
    await mkdir(dir, { recursive: true });
    return dir;
  }

  /** Where the next snapshot goes. */
  snapshotPath(): string {
    return join(this.snapshotRoot, `${randomUUID()}.duckdb`);
  }
}

export async function fileSize(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}
