import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../dist/bin.js", import.meta.url));

export interface NodeOptions {
  /** The node's ISA_DATA_DIR. */
  dataDir: string;
  storagePort: number;
  secret: string;
  /** etcd client URL; none: a single node. */
  etcd?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * One analytics node, `isa-duckdb-supervisor` from `dist`, as a child process (so that it
 * can be killed with SIGKILL), with one worker.
 */
export class AnalyticsNode {
  port = 0;
  nodeId = "";
  /** Pids of the workers this node started, from its log. */
  readonly workerPids = new Set<number>();
  /** Loopback gRPC port of each worker (by pid), from its log: to call a worker directly. */
  readonly workerPorts = new Map<number, number>();
  readonly lines: string[] = [];
  readonly exited: Promise<number | null>;
  private readonly listening: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly dataDir: string,
  ) {
    this.exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
    this.listening = new Promise((resolve, reject) => {
      const read = (line: string) => {
        this.lines.push(line);
        if (this.lines.length > 400) this.lines.shift();
        let entry: { msg?: string; port?: number; node?: string; pid?: number };
        try {
          entry = JSON.parse(line);
        } catch {
          return;
        }
        if (entry.msg === "analytics worker ready" && entry.pid) {
          this.workerPids.add(entry.pid);
          if (entry.port) this.workerPorts.set(entry.pid, entry.port);
        }
        if (entry.msg === "analytics supervisor listening") {
          this.port = entry.port!;
          this.nodeId = entry.node!;
          resolve();
        }
      };
      createInterface({ input: child.stdout! }).on("line", read);
      createInterface({ input: child.stderr! }).on("line", read);
      void this.exited.then((code) =>
        reject(new Error(`node exited (code ${code}): ${this.lines.slice(-5).join(" | ")}`)),
      );
    });
    this.listening.catch(() => {});
  }

  static spawn(opts: NodeOptions): AnalyticsNode {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`pnpm build\` first`);
    const child = spawn(process.execPath, [BIN], {
      env: {
        PATH: process.env.PATH,
        // The leftover-process check of the shared vitest config follows this marker.
        ISA_TEST_RUN: process.env.ISA_TEST_RUN,
        ISA_JWT_SECRET: opts.secret,
        MINIO_GRPC_HOST: "127.0.0.1",
        MINIO_GRPC_PORT: String(opts.storagePort),
        DUCKDB_GRPC_HOST: "127.0.0.1",
        DUCKDB_GRPC_PORT: "0",
        ISA_DATA_DIR: opts.dataDir,
        DUCKDB_WORKERS: "1",
        DUCKDB_WORKER_MEMORY_MB: "1024",
        DUCKDB_TOTAL_THREADS: "2",
        DUCKDB_MAX_OPEN_DATABASES: "4",
        LOG_LEVEL: "info",
        ...(opts.etcd ? { ISA_ETCD_ENDPOINTS: opts.etcd } : {}),
        ...opts.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    return new AnalyticsNode(child, opts.dataDir);
  }

  static async start(opts: NodeOptions): Promise<AnalyticsNode> {
    const node = AnalyticsNode.spawn(opts);
    await node.ready();
    return node;
  }

  /** Resolves once the node listens; if it exits (or fails) first, kills it and rejects. */
  async ready(): Promise<void> {
    try {
      await this.listening;
    } catch (err) {
      await this.kill9();
      throw err;
    }
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Whether the process (or, with `pid`, that process) still runs. */
  static alive(pid: number): boolean {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  /** Pids of this node's workers still running. */
  liveWorkers(): number[] {
    return [...this.workerPids].filter((pid) => AnalyticsNode.alive(pid));
  }

  /**
   * Sends `signal` to the front and to every live worker (SIGSTOP/SIGCONT: a paused node,
   * as in a long GC pause or a frozen VM). Pass `only` to signal just the front or the workers.
   */
  signal(signal: NodeJS.Signals, only?: "front" | "workers"): void {
    if (only !== "workers" && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill(signal);
    }
    if (only !== "front") {
      for (const pid of this.liveWorkers()) {
        try {
          process.kill(pid, signal);
        } catch {
          // exited meanwhile
        }
      }
    }
  }

  async kill9(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill("SIGKILL");
    await this.exited;
  }

  /** SIGTERM (workers checkpoint), SIGKILL after 20 s; then makes sure its workers are gone. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.signal("SIGCONT"); // a paused node could not act on the SIGTERM
      this.child.kill("SIGTERM");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), 20_000);
      await this.exited;
      clearTimeout(timer);
    }
    for (const pid of this.liveWorkers()) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // exited meanwhile
      }
    }
  }

  /** The node's log, for a failing assertion's message. */
  tail(n = 20): string {
    return this.lines.slice(-n).join("\n");
  }
}
