import { LRUCache } from "lru-cache";

export interface ResultCacheOptions {
  /** Most results kept. Default 10,000. @example { maxEntries: 1_000 } */
  maxEntries?: number;
  /** Most bytes kept, counted as the result's JSON length. Default 32 MiB. */
  maxBytes?: number;
}

interface Entry {
  /** The database's change version the result was read at. */
  version: string;
  value: unknown;
}

/**
 * Results of read-only operations, each kept with the change version of the database it
 * was read from (DuckdbClient.changeVersion) and served only while that version is
 * current: any write that has finished since moves the version on, so a stale result is
 * never served, only left for the LRU to drop. Keys name the caller and the database
 * (`resultKey`): one tenant's result is never another's. Values are shared between
 * callers of the same key, so they are frozen (deeply) when stored.
 *
 * `getOrRun` also shares a run in flight: callers asking for the same key at the same
 * version while it is being computed wait for that one run instead of starting their own,
 * so 64 concurrent requests for a dashboard run one analysis, not 64. (lru-cache's own
 * `fetch` coalesces by key only, and would hand a caller who saw a newer version the
 * result of a run started before it.)
 */
export class ResultCache {
  readonly #lru: LRUCache<string, Entry>;
  /** Runs in flight by key and version; each removes itself when it settles. */
  readonly #running = new Map<string, Promise<unknown>>();

  constructor(options: ResultCacheOptions = {}) {
    this.#lru = new LRUCache<string, Entry>({
      max: options.maxEntries ?? 10_000,
      maxSize: options.maxBytes ?? 32 * 1024 * 1024,
      // Set with `size`, measured once when stored; keys count too.
      sizeCalculation: (_entry, key) => key.length,
    });
  }

  /** The result stored under `key` at `version`, if that is the version now. */
  get<T>(key: string, version: string | undefined): T | undefined {
    if (version === undefined) return undefined;
    const entry = this.#lru.get(key);
    return entry?.version === version ? (entry.value as T) : undefined;
  }

  /**
   * Keeps `value` for `key` at `version` (the version read before the result was), and
   * returns it frozen; with no version (a service that does not track changes), keeps
   * nothing.
   */
  set<T>(key: string, version: string | undefined, value: T): T {
    if (version === undefined) return value;
    const frozen = deepFreeze(value);
    const bytes = key.length + (JSON.stringify(value)?.length ?? 0);
    this.#lru.set(key, { version, value: frozen }, { size: bytes });
    return frozen;
  }

  /**
   * The result for `key` at `version`: kept, or being computed by another caller, or
   * computed now by `run` (and kept). Without a version, `run` every time, unshared.
   */
  getOrRun<T>(key: string, version: string | undefined, run: () => Promise<T>): Promise<T> {
    if (version === undefined) return run();
    const kept = this.get<T>(key, version);
    if (kept !== undefined) return Promise.resolve(kept);
    const flight = JSON.stringify([key, version]);
    let running = this.#running.get(flight) as Promise<T> | undefined;
    if (!running) {
      running = run()
        .then((value) => this.set(key, version, value))
        .finally(() => this.#running.delete(flight));
      this.#running.set(flight, running);
    }
    return running;
  }

  get size(): number {
    return this.#lru.size;
  }

  get bytes(): number {
    return this.#lru.calculatedSize;
  }
}

/** The key of an operation's result for one caller on one database. */
export function resultKey(userId: string, database: string, ...operation: unknown[]): string {
  return JSON.stringify([userId, database, ...operation]);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}
