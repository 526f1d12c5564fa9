import type { ChildProcess } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import * as grpc from "@grpc/grpc-js";
import { duckdb } from "@isa-cloud/proto";
import type { Logger } from "pino";
import { spawnWorkerProcess } from "./worker-process.js";

/** The options of a channel to a worker or another node (see worker-process.ts). */
export { CHANNEL_OPTIONS } from "./worker-process.js";

export interface WorkerOptions {
  index: number;
  /** The worker's ISA_DATA_DIR: its cache is `<dir>/duckdb`. */
  dir: string;
  /** duckdb-service's bin. */
  bin: string;
  env: NodeJS.ProcessEnv;
  threadpoolSize: number;
  memoryBudgetMiB: number;
  memoryPollMs: number;
  readyTimeoutMs: number;
  logger: Logger;
  log: NodeJS.WritableStream;
  counters: SupervisorCounters;
}

/** Why the supervisor killed a worker, counted on the handle. */
export type KillReason = "deadline" | "memory" | "orphan";

export interface SupervisorCounters {
  kills: Record<KillReason, number>;
  /** Worker exits nobody asked for (crashes, OOM killer). */
  crashes: number;
  /** Workers started again after a kill or a crash. */
  restarts: number;
}

/** A forwarded call as the worker sees it: something to answer when the worker dies. */
export interface InflightCall {
  abort(code: grpc.status, details: string): void;
}

/** One running child: its process and a channel to its port. */
export interface Incarnation {
  pid: number;
  port: number;
  client: grpc.Client;
}

/** A started child as its Worker slot tracks it (made by worker-process.ts). */
export interface Running extends Incarnation {
  child: ChildProcess;
  startedAt: number;
  killed: boolean;
  poll: NodeJS.Timeout;
  rssMiB: number;
  /** The worker's /metrics port (its ready line's `metricsPort`), when it serves one. */
  metricsPort?: number;
}

const MIB_PER_KB = 1 / 1024;
/** A worker that stayed up this long has recovered: its next crash restarts it at once. */
const HEALTHY_UPTIME_MS = 30_000;

/**
 * One worker slot: an unchanged duckdb-service in a child process, started when first
 * needed, restarted after a kill or a crash (with backoff for crashes in a row), killed
 * when its RSS passes the budget.
 */
export class Worker {
  private running: Running | undefined;
  private starting: Promise<Running> | undefined;
  private readonly inflight = new Set<InflightCall>();
  private crashesInARow = 0;
  private closing = false;
  private fenced = false;
  private peakRssMiB = 0;

  constructor(private readonly opts: WorkerOptions) {}

  get index(): number {
    return this.opts.index;
  }

  /** The running child, starting (or waiting for) one. */
  ready(): Promise<Incarnation> {
    if (this.closing) return Promise.reject(new Error("the analytics service is shutting down"));
    if (this.fenced) {
      return Promise.reject(new Error("this analytics node lost its etcd lease; retry"));
    }
    if (this.running) return Promise.resolve(this.running);
    this.starting ??= this.start(0);
    return this.starting;
  }

  /** Registers a call in flight on this worker; the returned function ends that. */
  track(call: InflightCall): () => void {
    this.inflight.add(call);
    return () => this.inflight.delete(call);
  }

  get inflightCount(): number {
    return this.inflight.size;
  }

  stats() {
    return {
      index: this.opts.index,
      pid: this.running?.pid,
      port: this.running?.port,
      metricsPort: this.running?.metricsPort,
      inflight: this.inflight.size,
      rssMiB: this.running?.rssMiB ?? 0,
      peakRssMiB: this.peakRssMiB,
    };
  }

  /**
   * SIGKILLs the current child: `culprit` is answered with `culpritCode` and `reason`,
   * every other call in flight with `othersCode`, and a new child is started.
   */
  kill(
    why: KillReason,
    message: string,
    answers: {
      culprit?: InflightCall;
      culpritCode?: grpc.status;
      othersCode: grpc.status;
      others: string;
    },
  ): void {
    const running = this.running;
    if (!running || running.killed) return;
    running.killed = true;
    this.opts.counters.kills[why]++;
    this.opts.logger.warn(
      { worker: this.opts.index, pid: running.pid, reason: why, inflight: this.inflight.size },
      `killing analytics worker: ${message}`,
    );
    const calls = [...this.inflight];
    this.inflight.clear();
    for (const call of calls) {
      if (call === answers.culprit)
        call.abort(answers.culpritCode ?? grpc.status.DEADLINE_EXCEEDED, message);
      else call.abort(answers.othersCode, answers.others);
    }
    // New calls wait for the next child rather than reach this one while it dies.
    this.running = undefined;
    const exited = new Promise<void>((resolve) => running.child.once("exit", () => resolve()));
    running.child.kill("SIGKILL");
    this.opts.counters.restarts++;
    this.starting = exited.then(() => this.start(0));
    this.starting.catch((err: Error) =>
      this.opts.logger.error({ worker: this.opts.index, err }, "analytics worker restart failed"),
    );
  }

  /**
   * Whether the worker holds more DuckDB connections than the front has calls open on it:
   * a statement still running for a caller who has gone (cancelled, or past its gRPC
   * deadline). Asked through HealthCheck `detailed`, which needs no token.
   */
  async hasOrphans(): Promise<boolean> {
    const running = this.running;
    if (!running) return false;
    const request = Buffer.from(
      duckdb.HealthCheckRequest.encode({ databaseId: "", detailed: true }).finish(),
    );
    const response = await new Promise<Buffer>((resolve, reject) => {
      running.client.makeUnaryRequest(
        "/isa.duckdb.DuckDBService/HealthCheck",
        (b: Buffer) => b,
        (b: Buffer) => b,
        request,
        new grpc.Metadata(),
        { deadline: Date.now() + 2000 },
        (err, value) => (err || !value ? reject(err ?? new Error("no answer")) : resolve(value)),
      );
    });
    if (this.running !== running) return false;
    const details = duckdb.HealthCheckResponse.decode(response).details as
      | Record<string, unknown>
      | undefined;
    const active = Number(details?.active_connections ?? 0);
    return active > this.inflight.size;
  }

  /**
   * Fencing, when the node lost its etcd lease: SIGKILLs the child with no final
   * checkpoint (its owners may already be served by another node, so nothing of it may
   * reach storage any more), answers its calls UNAVAILABLE, deletes its cache directory
   * (the files there are no longer the newest copy) and refuses calls until `resume`.
   */
  async fence(): Promise<void> {
    this.fenced = true;
    const running = this.running ?? (await this.starting?.catch(() => undefined));
    this.running = undefined;
    const calls = [...this.inflight];
    this.inflight.clear();
    for (const call of calls) {
      call.abort(grpc.status.UNAVAILABLE, "this analytics node lost its etcd lease; retry");
    }
    if (running && running.child.exitCode === null && running.child.signalCode === null) {
      running.killed = true;
      const exited = new Promise<void>((resolve) => running.child.once("exit", () => resolve()));
      running.child.kill("SIGKILL");
      await exited;
    }
    await rm(this.opts.dir, { recursive: true, force: true });
  }

  /** Serves again after `fence`, from an empty cache. */
  resume(): void {
    this.fenced = false;
  }

  /** Graceful stop: SIGTERM (the worker finishes calls and checkpoints), SIGKILL after `timeoutMs`. */
  async close(timeoutMs = 30_000): Promise<void> {
    this.closing = true;
    const running = this.running ?? (await this.starting?.catch(() => undefined));
    if (!running || running.child.exitCode !== null || running.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.child.once("exit", () => resolve()));
    running.child.kill("SIGTERM");
    const timer = setTimeout(() => {
      this.opts.logger.warn({ worker: this.opts.index }, "worker did not stop in time; killing it");
      running.child.kill("SIGKILL");
    }, timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  private async start(delayMs: number): Promise<Running> {
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    if (this.closing) throw new Error("the analytics service is shutting down");
    if (this.fenced) throw new Error("this analytics node lost its etcd lease; retry");
    try {
      const running = await this.spawnChild();
      this.running = running;
      return running;
    } finally {
      this.starting = undefined;
    }
  }

  private spawnChild(): Promise<Running> {
    return spawnWorkerProcess(this.opts, {
      checkMemory: (running) => this.checkMemory(running),
      onExit: (running, code, signal) => this.onExit(running, code, signal),
    });
  }

  private onExit(running: Running, code: number | null, signal: NodeJS.Signals | null): void {
    clearInterval(running.poll);
    running.client.close();
    // A killed child was replaced by `kill`, whose calls it answered.
    if (this.closing || running.killed) return;
    this.running = undefined;
    // Calls still open on a child that died by itself fail on their own: the connection
    // drops, UNAVAILABLE, which the clients retry for idempotent calls.
    this.opts.counters.crashes++;
    this.crashesInARow =
      Date.now() - running.startedAt > HEALTHY_UPTIME_MS ? 1 : this.crashesInARow + 1;
    const delayMs = Math.min(10_000, 250 * 2 ** (this.crashesInARow - 1));
    this.opts.logger.error(
      { worker: this.opts.index, pid: running.pid, code, signal, restartInMs: delayMs },
      "analytics worker exited unexpectedly",
    );
    this.opts.counters.restarts++;
    // Restarted at once rather than on the next call: the owners of this worker get their
    // databases back (DuckDB replays the WAL) before they ask.
    this.starting = this.start(delayMs);
    this.starting.catch((err: Error) =>
      this.opts.logger.error({ worker: this.opts.index, err }, "analytics worker restart failed"),
    );
  }

  private async checkMemory(running: Running): Promise<void> {
    let status: string;
    try {
      status = await readFile(`/proc/${running.pid}/status`, "utf8");
    } catch {
      return; // exited between two polls, or not Linux: no budget to enforce
    }
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    if (!kb) return;
    running.rssMiB = Math.round(Number(kb[1]) * MIB_PER_KB);
    this.peakRssMiB = Math.max(this.peakRssMiB, running.rssMiB);
    const budget = this.opts.memoryBudgetMiB;
    if (running.rssMiB > budget && this.running === running) {
      const message = `memory budget of ${budget} MiB exceeded (the worker reached ${running.rssMiB} MiB); its worker process was killed and restarted`;
      this.kill("memory", message, {
        othersCode: grpc.status.RESOURCE_EXHAUSTED,
        others: message,
      });
    }
  }
}
