import { randomUUID } from "node:crypto";
import { join } from "node:path";
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { ServerError, Status } from "nice-grpc";
import { type DatabaseLimits, openSandboxedInstance } from "../engine/sandbox.js";
import { Gate } from "./gate.js";
import { fileSize } from "./local-cache.js";
import { databaseKey, type Owner } from "./naming.js";

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
  /** A statement that may write ran since the last upload to object storage. */
  dirty = false;
  /** Set once eviction or deletion has begun: new calls must wait and reopen. */
  closing = false;
  /** The instance is closed; a call that still holds the database must give up. */
  closed = false;
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

  private constructor(
    readonly owner: Owner,
    readonly name: string,
    readonly localPath: string,
    readonly stagingDir: string,
    private readonly instance: DuckDBInstance,
    private readonly maxConnections: number,
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
  }): Promise<OpenDatabase> {
    const instance = await openSandboxedInstance(opts.localPath, opts.stagingDir, opts.limits);
    return new OpenDatabase(
      opts.owner,
      opts.name,
      opts.localPath,
      opts.stagingDir,
      instance,
      opts.maxConnections,
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

  /** Runs `fn` on a connection of its own. */
  async withConnection<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    const lease = await this.acquire();
    try {
      return await fn(lease.conn);
    } finally {
      lease.release();
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
