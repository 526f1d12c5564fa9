import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { Etcd3 } from "etcd3";

// The supervisor's cluster suite has the same helper in its test folder, which this
// package's tsconfig cannot reach (rootDir); it belongs in @isa-cloud/testing.

/** A free loopback port (etcd takes no port 0; released just before use). */
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

/** A single-member etcd on free loopback ports, its data under `dir`. */
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
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const peer = `http://127.0.0.1:${await freePort()}`;
    const child = spawn(
      "etcd",
      [
        "--name=test",
        `--data-dir=${join(dir, "etcd")}`,
        `--listen-client-urls=${endpoint}`,
        `--advertise-client-urls=${endpoint}`,
        `--listen-peer-urls=${peer}`,
        `--initial-advertise-peer-urls=${peer}`,
        `--initial-cluster=test=${peer}`,
        "--log-level=error",
      ],
      { stdio: "ignore" },
    );
    const server = new EtcdServer(child, endpoint);
    const probe = new Etcd3({ hosts: endpoint });
    try {
      for (const started = Date.now(); ; await new Promise((r) => setTimeout(r, 200))) {
        try {
          await probe.get("probe").string();
          return server;
        } catch (err) {
          if (child.exitCode !== null || Date.now() - started > 20_000) throw err;
        }
      }
    } catch (err) {
      await server.stop();
      throw new Error(`etcd did not start: ${(err as Error).message}`);
    } finally {
      probe.close();
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once("exit", r));
    this.child.kill("SIGKILL");
    await exited;
  }
}
