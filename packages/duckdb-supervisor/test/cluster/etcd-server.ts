import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { Etcd3 } from "etcd3";

/** A free loopback port (released just before use: good enough for one test run). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A single-member etcd on free loopback ports with its own data directory. */
export class EtcdServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly endpoint: string,
  ) {}

  static async start(dir: string): Promise<EtcdServer> {
    if (spawnSync("etcd", ["--version"]).error) {
      throw new Error(
        "the cluster suite needs the etcd binary (etcd 3.4+): run `bash scripts/install-system-deps.sh`",
      );
    }
    const [client, peer] = [await freePort(), await freePort()];
    const peerUrl = `http://127.0.0.1:${peer}`;
    const endpoint = `http://127.0.0.1:${client}`;
    const child = spawn(
      "etcd",
      [
        "--name=test",
        `--data-dir=${join(dir, "etcd")}`,
        `--listen-client-urls=${endpoint}`,
        `--advertise-client-urls=${endpoint}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=test=${peerUrl}`,
        "--log-level=error",
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    const server = new EtcdServer(child, endpoint);
    const probe = new Etcd3({ hosts: endpoint });
    try {
      for (const started = Date.now(); ; ) {
        try {
          await probe.get("probe").string();
          return server;
        } catch (err) {
          if (child.exitCode !== null || Date.now() - started > 20_000) throw err;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    } catch (err) {
      await server.stop();
      throw new Error(`etcd did not start: ${(err as Error).message}`);
    } finally {
      probe.close();
    }
  }

  /** Freezes etcd (SIGSTOP): to the nodes it is unreachable, as in a partition. */
  pause(): void {
    this.child.kill("SIGSTOP");
  }

  resume(): void {
    this.child.kill("SIGCONT");
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once("exit", r));
    this.child.kill("SIGKILL");
    await exited;
  }
}
