import { appendFileSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";

/** Where an owner's calls are served: a worker of this node, or another node. */
export type Placement =
  | { kind: "local"; worker: number }
  | { kind: "remote"; nodeId: string; address: string };

/**
 * Which process serves which owner's databases: the one map the architecture asks for.
 * On one machine it is `LocalOwnerMap`; across machines `EtcdOwnerMap` (owner keys under
 * node leases in etcd) answers the same question, so the router never changes.
 *
 * The unit is the owner namespace (`user:<id>`, `org:<id>`), not the database: one owner's
 * databases, its registry (duckdb-service caches an owner's registry entries in memory)
 * and its local files must live in exactly one process, because DuckDB forbids two
 * processes opening one file and a second process would work from a stale registry.
 */
export interface OwnerMap {
  /**
   * Where `owner` (an owner key, see `ownerOf`) is served, claiming it for this node when
   * nobody serves it. `forwarded`: the call was forwarded here by another node, so it must
   * not be forwarded again (see loop-guard.ts). Rejects when the owner cannot be served
   * now; the caller gets UNAVAILABLE and retries.
   */
  placeOf(owner: string, call: { forwarded: boolean }): Promise<Placement>;
  /** Owners assigned to each local worker, index by index. */
  owners(): readonly number[];
}

/**
 * The single-machine map: least-loaded first (fewest owners), then sticky. Assignments are
 * appended to a JSON-lines file so that a restarted supervisor puts every owner back on
 * the worker whose cache directory holds its files (and any WAL not yet checkpointed).
 */
export class LocalOwnerMap implements OwnerMap {
  private readonly assigned = new Map<string, number>();
  private readonly counts: number[];

  constructor(
    private readonly workers: number,
    private readonly file?: string,
  ) {
    this.counts = new Array<number>(workers).fill(0);
    if (file) this.load(file);
  }

  async placeOf(owner: string): Promise<Placement> {
    return { kind: "local", worker: this.workerFor(owner) };
  }

  /**
   * The worker serving `owner`, assigning one when the owner has none. Once assigned, an
   * owner stays on its worker: the worker's local cache holds the owner's files.
   */
  workerFor(owner: string): number {
    const known = this.assigned.get(owner);
    if (known !== undefined) return known;
    let best = 0;
    for (let i = 1; i < this.workers; i++) if (this.counts[i]! < this.counts[best]!) best = i;
    this.set(owner, best);
    if (this.file) {
      mkdirSync(dirname(this.file), { recursive: true });
      appendFileSync(this.file, `${JSON.stringify({ owner, worker: best })}\n`);
    }
    return best;
  }

  owners(): readonly number[] {
    return this.counts;
  }

  private set(owner: string, worker: number): void {
    const before = this.assigned.get(owner);
    if (before !== undefined) this.counts[before]!--;
    this.assigned.set(owner, worker);
    this.counts[worker]!++;
  }

  private load(file: string): void {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
      throw err;
    }
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      let entry: { owner?: unknown; worker?: unknown };
      try {
        entry = JSON.parse(line);
      } catch {
        continue; // a line torn by a crash mid-append: that owner is reassigned
      }
      // Entries beyond the current pool size (DUCKDB_WORKERS lowered) are dropped: those
      // owners reopen from their last checkpoint in storage on their new worker.
      if (
        typeof entry.owner === "string" &&
        Number.isInteger(entry.worker) &&
        (entry.worker as number) < this.workers
      ) {
        this.set(entry.owner, entry.worker as number);
      }
    }
  }
}
