import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import * as grpc from "@grpc/grpc-js";
import type { Running, WorkerOptions } from "./worker.js";

const READY_MESSAGE = "analytics service started";
/**
 * Loaded into every worker with `node --import` before duckdb-service's bin: a worker must
 * not outlive its supervisor. After a `kill -9` of the front the node's etcd lease runs
 * out and another node claims the worker's owners, so an orphaned worker that went on
 * checkpointing would overwrite that node's newer files in storage. The supervisor holds
 * an IPC channel to each worker, which closes when the supervisor dies however it dies.
 * SIGKILL rather than a graceful stop, whose final checkpoint is the very write to avoid;
 * the channel itself is unref'd so it never keeps a worker running. (A data: URL, so the
 * preload works the same from `src` under vitest and from `dist`.)
 */
const PRELOAD = `data:text/javascript,${encodeURIComponent(
  'process.channel?.unref();process.once("disconnect",()=>process.kill(process.pid,"SIGKILL"))',
)}`;
const LEVELS: Record<string, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
};

/**
 * The options of a channel to a worker or another node: a pure pass-through, the worker
 * enforces limits.
 */
export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  "grpc.max_receive_message_length": -1,
  "grpc.max_send_message_length": -1,
  // grpc-js would buffer a call's messages to replay them on a retry; the caller's own
  // client decides about retries, so nothing is held here.
  "grpc.enable_retries": 0,
};

/** What the running child reports back to its Worker slot. */
export interface WorkerProcessHooks {
  /** Called every `memoryPollMs` once the child is ready. */
  checkMemory(running: Running): Promise<void>;
  /** Called when a child that was ready exits. */
  onExit(running: Running, code: number | null, signal: NodeJS.Signals | null): void;
}

/**
 * Starts duckdb-service in a child process and resolves once it has printed its ready
 * line (its port): its logs are passed on at the level asked for, its last lines kept
 * for the error of a failed start.
 */
export function spawnWorkerProcess(
  opts: WorkerOptions,
  hooks: WorkerProcessHooks,
): Promise<Running> {
  // UV_THREADPOOL_SIZE must be in the environment before Node starts: libuv sizes the pool
  // at its first use, which happens while Node loads the bin's ES modules, before any line
  // of the bin could set it.
  // The ready line is an info line: the worker logs at info at least, and lines below the
  // level asked for are dropped here.
  const wanted = opts.env.LOG_LEVEL?.trim() || "info";
  const threshold = LEVELS[wanted] ?? Number.POSITIVE_INFINITY;
  const pass = (line: string) => {
    const level = /^\{"level":(\d+)/.exec(line);
    if (!level || Number(level[1]) >= threshold) opts.log.write(`${line}\n`);
  };
  const child = spawn(process.execPath, ["--import", PRELOAD, opts.bin], {
    env: {
      ...opts.env,
      LOG_LEVEL: threshold < LEVELS.info! ? wanted : "info",
      DUCKDB_GRPC_HOST: "127.0.0.1",
      DUCKDB_GRPC_PORT: "0",
      ISA_DATA_DIR: opts.dir,
      UV_THREADPOOL_SIZE: String(opts.threadpoolSize),
    },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  const tail: string[] = [];
  const remember = (line: string) => {
    tail.push(line);
    if (tail.length > 20) tail.shift();
  };
  createInterface({ input: child.stderr! }).on("line", (line) => {
    remember(line);
    pass(line);
  });
  return new Promise<Running>((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(new Error(`analytics worker ${opts.index} ${why}: ${tail.slice(-5).join(" | ")}`));
    };
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      fail(`printed no ready line within ${opts.readyTimeoutMs} ms`);
    }, opts.readyTimeoutMs);
    let running: Running | undefined;
    createInterface({ input: child.stdout! }).on("line", (line) => {
      pass(line);
      if (running) return;
      remember(line);
      let entry: { msg?: unknown; port?: unknown; metricsPort?: unknown };
      try {
        entry = JSON.parse(line);
      } catch {
        return;
      }
      if (entry.msg !== READY_MESSAGE || typeof entry.port !== "number") return;
      clearTimeout(timer);
      running = {
        child,
        pid: child.pid!,
        port: entry.port,
        client: new grpc.Client(
          `127.0.0.1:${entry.port}`,
          grpc.credentials.createInsecure(),
          CHANNEL_OPTIONS,
        ),
        startedAt: Date.now(),
        killed: false,
        rssMiB: 0,
        poll: setInterval(() => void hooks.checkMemory(running!), opts.memoryPollMs),
        ...(typeof entry.metricsPort === "number" && entry.metricsPort > 0
          ? { metricsPort: entry.metricsPort }
          : {}),
      };
      running.poll.unref();
      opts.logger.info(
        { worker: opts.index, pid: running.pid, port: running.port },
        "analytics worker ready",
      );
      resolve(running);
    });
    child.once("exit", (code, signal) => {
      if (!running) {
        fail(`exited during start-up (code ${code}, signal ${signal})`);
        return;
      }
      hooks.onExit(running, code, signal);
    });
    child.once("error", (err) => fail(`could not be started: ${err.message}`));
  });
}
