import { randomUUID } from "node:crypto";
import { join } from "node:path";
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { ServerError, Status } from "nice-grpc";
import { type DatabaseLimits, openSandboxedInstance } from "../engine/sandbox.js";
import { Gate } from "./gate.js";
import { FencedError } from "./generations.js";
import { fileSize } from "./local-cache.js";
import { databaseKey, type Owner } from "./naming.js";
import type { WalShipper } from "./wal-shipper.js";

/** A connection lent to one call; `release` returns it to the pool. */
export interface ConnectionLease {
  conn: DuckDBConnection;
  release(): void;
}

/**
 * One open database: its sandboxed DuckDB instance and a pool of connections. Each call
 * gets a connection of its own (a DuckDB connection must never run two statements at
 * once); calls beyond `maxConnections` wait for one to come back.
 */
export class OpenDatabase {
  readonly gate = new Gate();
  #dirty = false;
  /** Writes marked since this instance opened; with `#opening`, the change version. */
  #changes = 0;
  /** Another value each time the database opens: the count restarts then. */
  readonly #opening = randomUUID();
  /** Set once eviction or deletion has begun: new calls must wait and reopen. */
  closing = false;
  /** The instance is closed; a call that still holds the database must give up. */
  closed = false;
  /** Another node owns it now: the next call closes it and drops the local copy. */
  fenced = false;
  /** Calls currently holding this database (not evictable while above zero). */
  leases = 0;
  lastAccess = Date.now();
  /** Scheduled checkpoints skipped in a row because the database was busy. */
  skippedCheckpoints = 0;
  private readonly idle: DuckDBConnection[] = [];
  private readonly inUse = new Set<DuckDBConnection>();
  private readonly waiters: Array<{
    resolve: (conn: DuckDBConnection) => void;
    reject: (err: unknown) => void;
  }> = [];
  private opened = 0;

  readonly key: string;

  /**
   * A statement that may write ran since the last upload to object storage. Marking it
   * also moves `changeVersion` on: every write marks this, after it has run as well.
   */
  get dirty(): boolean {
    return this.#dirty;
  }

  set dirty(value: boolean) {
    if (value) this.#changes++;
    this.#dirty = value;
  }

  /** Differs whenever a write has finished since it was read (GetDatabaseInfo's change_version). */
  get changeVersion(): string {
    return `${this.#opening}:${this.#changes}`;
  }

  private constructor(
    readonly owner: Owner,
    readonly name: string,
    readonly localPath: string,
    readonly stagingDir: string,
    private readonly instance: DuckDBInstance,
    private readonly maxConnections: number,
    readonly wal: WalShipper,
  ) {
    this.key = databaseKey(owner, name);
  }

  static async open(opts: {
    owner: Owner;
    name: string;
    localPath: string;
    stagingDir: string;
    limits: DatabaseLimits;
    maxConnections: number;
    wal: WalShipper;
    /** The service alone folds the WAL (multi-node: it ships the WAL). */
    serviceCheckpoints: boolean;
  }): Promise<OpenDatabase> {
    const instance = await openSandboxedInstance(opts.localPath, opts.stagingDir, opts.limits, {
      serviceCheckpoints: opts.serviceCheckpoints,
    });
    return new OpenDatabase(
      opts.owner,
      opts.name,
      opts.localPath,
      opts.stagingDir,
      instance,
      opts.maxConnections,
      opts.wal,
    );
  }

  /**
   * Something changed since the last upload: a statement that may write ran, or the WAL
   * holds a write that the statement check took for a read (SELECT nextval(...) advances
   * a sequence). The WAL is gone after every CHECKPOINT, so it is only there for changes.
   */
  async changed(): Promise<boolean> {
    return this.dirty || ((await fileSize(`${this.localPath}.wal`)) ?? 0) > 0;
  }

  get activeConnections(): number {
    return this.inUse.size;
  }

  /** A connection for one call, holding the gate shared until released. */
  async acquire(): Promise<ConnectionLease> {
    this.assertOpen();
    const releaseGate = await this.gate.acquireShared();
    try {
      this.assertOpen();
      const conn = await this.take();
      let released = false;
      return {
        conn,
        release: () => {
          if (released) return;
          released = true;
          this.give(conn);
          releaseGate();
        },
      };
    } catch (err) {
      releaseGate();
      throw err;
    }
  }

  /** A new file name in the staging directory, the one directory its SQL may read. */
  stagingFile(extension: string): string {
    return join(this.stagingDir, `${randomUUID()}.${extension}`);
  }

  /**
   * Runs `fn` on a connection of its own, then (multi-node) waits until what it wrote is
   * in object storage: the answer is the acknowledgement. The connection (and the shared
   * gate) is held meanwhile, so no checkpoint folds the WAL under a shipment.
   */
  async withConnection<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    const lease = await this.acquire();
    try {
      let result: T;
      try {
        result = await fn(lease.conn);
      } catch (err) {
        // What the call applied before failing (a batch without a transaction) goes up
        // with it or with the next write; the call's own error is the answer.
        await this.wal.sync().catch(() => {});
        throw err;
      }
      await this.durable();
      return result;
    } finally {
      lease.release();
    }
  }

  /** Waits for the WAL to be shipped, as a status the caller can act on. */
  async durable(): Promise<void> {
    try {
      await this.wal.sync();
    } catch (err) {
      if (err instanceof FencedError) {
        this.fenced = true;
        throw new ServerError(
          Status.UNAVAILABLE,
          `${err.message}; this node's copy is dropped, retry: the call goes to the owner`,
        );
      }
      throw new ServerError(
        Status.UNAVAILABLE,
        `the write committed on this node but is not yet durable in object storage (${(err as Error).message}); it may still be applied: check before retrying`,
      );
    }
  }

  /**
   * Runs `fn` with no call running (the gate held exclusively), on a pooled connection.
   * `wait: false` gives up at once (returning undefined) when the database is busy.
   */
  async exclusive<T>(
    fn: (conn: DuckDBConnection) => Promise<T>,
    wait: boolean,
  ): Promise<T | undefined> {
    const release = wait ? await this.gate.acquireExclusive() : this.gate.tryExclusive();
    if (!release) return undefined;
    try {
      this.assertOpen();
      const conn = await this.take();
      try {
        return await fn(conn);
      } finally {
        this.give(conn);
      }
    } finally {
      release();
    }
  }

  /** Stops new calls and waits for running ones; `force` interrupts them instead of refusing. */
  async takeOffline(force: boolean): Promise<void> {
    if (this.leases > 0 && !force) {
      throw new ServerError(
        Status.FAILED_PRECONDITION,
        `the database is in use by ${this.leases} running call(s); retry when they finish, or set force`,
      );
    }
    this.closing = true;
    if (!force) {
      await this.exclusive(async () => {}, true);
      return;
    }
    // Repeated: an interrupt reaching a connection between two statements is dropped.
    this.interruptAll();
    const ticker = setInterval(() => this.interruptAll(), 50);
    try {
      await this.exclusive(async () => {}, true);
    } finally {
      clearInterval(ticker);
    }
  }

  /** Interrupts every running statement (DeleteDatabase with force). */
  interruptAll(): void {
    for (const conn of this.inUse) conn.interrupt();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) {
      waiter.reject(new ServerError(Status.ABORTED, "the database was closed; retry"));
    }
    for (const conn of [...this.idle, ...this.inUse]) conn.closeSync();
    this.idle.length = 0;
    this.inUse.clear();
    this.instance.closeSync();
  }

  private assertOpen(): void {
    if (this.closed) {
      throw new ServerError(
        Status.ABORTED,
        "the database was closed (deleted or restored) while this call waited; retry",
      );
    }
  }

  private async take(): Promise<DuckDBConnection> {
    const idle = this.idle.pop();
    if (idle) {
      this.inUse.add(idle);
      return idle;
    }
    if (this.opened < this.maxConnections) {
      this.opened++;
      try {
        const conn = await this.instance.connect();
        this.inUse.add(conn);
        return conn;
      } catch (err) {
        this.opened--;
        throw err;
      }
    }
    const conn = await new Promise<DuckDBConnection>((resolve, reject) =>
      this.waiters.push({ resolve, reject }),
    );
    this.inUse.add(conn);
    return conn;
  }

  private give(conn: DuckDBConnection): void {
    this.inUse.delete(conn);
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve(conn);
    else this.idle.push(conn);
  }
}
