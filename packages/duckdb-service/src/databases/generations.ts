import { randomBytes } from "node:crypto";
import { type Owner, storePath } from "./naming.js";
import type { DatabaseRecord } from "./registry.js";

/**
 * One checkpoint of a database: an immutable file, then the WAL segments shipped since
 * (multi-node mode), replayed in order on top of it. Every key of a generation carries
 * its number and the id of the process that made it, so two processes that both believe
 * they own a database (one of them stale) never write the same key: the stale one's
 * uploads are orphans, never overwritten data.
 */
export interface Generation {
  /** One more than the generation it replaced. */
  number: number;
  /** Random id of the process that made it; only that process appends segments to it. */
  writer: string;
  /** Segments shipped so far, `wal-0` up to `wal-<segments - 1>`. */
  segments: number;
  /** Bytes of those segments together: the length of the WAL they rebuild. */
  walBytes: number;
}

/** A generation as its store holds it, with the version a compare-and-swap must name. */
export interface Pointer {
  generation: Generation;
  /** The etcd key's mod revision, or the generation itself where the registry holds it. */
  version: string;
}

/**
 * Where the pointer to each database's current generation lives: the registry record in
 * object storage on one node, an etcd key fenced by owner in a cluster. Readers follow it;
 * only the owner moves it.
 */
export interface GenerationStore {
  /** Multi-node: a write is acknowledged only once its WAL bytes are in object storage. */
  readonly shipsWal: boolean;
  /**
   * The current generation; undefined for a database stored before generations (or not
   * stored yet). `record.generation` is the registry's (`DatabaseRecord.generation`).
   */
  read(record: DatabaseRef & { generation?: Generation }): Promise<Pointer | undefined>;
  /**
   * Moves the pointer from `expected` to `next` when nobody moved it since and this node
   * still owns the database; throws `FencedError` otherwise. `record` (its metadata) is
   * stored too: with the pointer where the registry holds it, else after it.
   */
  swap(
    ref: DatabaseRef,
    expected: Pointer | undefined,
    next: Generation,
    record?: DatabaseRecord,
  ): Promise<Pointer>;
  /** Forgets the database's pointer (DeleteDatabase). */
  remove(ref: DatabaseRef): Promise<void>;
  close(): void;
}

export interface DatabaseRef {
  owner: Owner;
  name: string;
}

/** The pointer did not move: another node owns the database now, or moved it first. */
export class FencedError extends Error {
  override name = "FencedError";
}

/** A new process id for generation keys: 12 hex digits. */
export function newWriterId(): string {
  return randomBytes(6).toString("hex");
}

/** The generation after `current` (the first when there is none), made by `writer`. */
export function nextGeneration(current: Generation | undefined, writer: string): Generation {
  return { number: (current?.number ?? 0) + 1, writer, segments: 0, walBytes: 0 };
}

// Zero-padded so that keys list in generation and segment order.
const pad = (n: number) => String(n).padStart(12, "0");

/** Object keys of generations, under `databases/<owner>/<name>/`. */
export const generationKeys = {
  prefix: (ref: DatabaseRef) => `databases/${storePath(ref.owner, ref.name)}/`,
  dir: (ref: DatabaseRef, g: Generation) =>
    `${generationKeys.prefix(ref)}gen-${pad(g.number)}-${g.writer}/`,
  file: (ref: DatabaseRef, g: Generation) => `${generationKeys.dir(ref, g)}database.duckdb`,
  segment: (ref: DatabaseRef, g: Generation, seq: number) =>
    `${generationKeys.dir(ref, g)}wal-${pad(seq)}`,
};

/** Every key the generation names: its file, then its segments in replay order. */
export function keysOf(ref: DatabaseRef, g: Generation): string[] {
  const keys = [generationKeys.file(ref, g)];
  for (let seq = 0; seq < g.segments; seq++) keys.push(generationKeys.segment(ref, g, seq));
  return keys;
}
