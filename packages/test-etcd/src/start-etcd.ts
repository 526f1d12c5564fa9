import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";

export interface StartEtcdOptions {
  /** Directory of this etcd's data (`<dataDir>/etcd`); the caller removes it. */
  dataDir: string;
  /** The etcd program. Default `"etcd"` on PATH (`/usr/bin/etcd` from the install script). */
  bin?: string;
  /** Member name, seen in etcd's own logs. Default `"test"`. */
  name?: string;
  /** How long to wait for etcd to answer /health. Default 20 s (a loaded 2-core VM). */
  timeoutMs?: number;
}

/** A running single-member etcd. */
export interface EtcdServer {
  /** The client URL, e.g. `http://127.0.0.1:40123`. */
  endpoint: string;
  /** `[endpoint]`, in the shape `ISA_ETCD_ENDPOINTS` (comma-joined) and etcd3's `hosts` take. */
  endpoints: string[];
  pid: number;
  /** Freezes etcd (SIGSTOP): to its clients it is unreachable, as in a partition. */
  pause(): void;
  /** Undoes `pause` (SIGCONT). */
  resume(): void;
  /** Kills etcd (SIGKILL: its data is throw-away) and waits for it to exit. Safe twice. */
  stop(): Promise<void>;
}

/**
 * Starts a single-member etcd on free loopback ports and resolves once it answers.
 * The child inherits this process's environment, so the test run's marker
 * (ISA_TEST_RUN, see vitest.shared.ts) finds it if a test forgets to stop it.
 */
export async function startEtcd(options: StartEtcdOptions): Promise<EtcdServer> {
  const bin = options.bin ?? "etcd";
  const name = options.name ?? "test";
  if (spawnSync(bin, ["--version"]).error) {
    throw new Error(
      `etcd (3.4+) is not installed (no ${JSON.stringify(bin)} to run): run \`bash scripts/install-system-deps.sh\``,
    );
  }
  // etcd takes no port 0; a port released just before use is good enough for a test run.
  const endpoint = `http://127.0.0.1:${await freePort()}`;
  const peer = `http://127.0.0.1:${await freePort()}`;
  const child = spawn(
    bin,
    [
      `--name=${name}`,
      `--data-dir=${join(options.dataDir, "etcd")}`,
      `--listen-client-urls=${endpoint}`,
      `--advertise-client-urls=${endpoint}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=${name}=${peer}`,
      "--log-level=error",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.on("error", () => {}); // a failed kill must not throw in the caller
  const server: EtcdServer = {
    endpoint,
    endpoints: [endpoint],
    pid: child.pid ?? -1,
    pause: () => void child.kill("SIGSTOP"),
    resume: () => void child.kill("SIGCONT"),
    async stop() {
      if (!running(child)) return;
      child.kill("SIGKILL");
      await exited;
    },
  };
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  for (;;) {
    if (await healthy(endpoint)) return server;
    if (!running(child) || Date.now() > deadline) {
      await server.stop();
      throw new Error(
        `etcd did not start (${running(child) ? "no answer in time" : `exited ${child.exitCode}`}): ${stderr}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** etcd's /health answers `{"health":"true"}` once the member has a leader (itself). */
async function healthy(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1_000) });
    return res.ok && ((await res.json()) as { health?: string }).health === "true";
  } catch {
    return false;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
