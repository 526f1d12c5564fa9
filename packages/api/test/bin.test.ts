import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url));

/** `isa-api` in `cwd` with only `env` set (plus PATH), its output collected. */
function spawnApi(cwd: string, env: Record<string, string> = {}) {
  const child: ChildProcess = spawn(process.execPath, [bin], {
    cwd,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
  }
  const exited = new Promise<number | string | null>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal)),
  );
  return {
    child,
    exited,
    output: () => output,
    /** The first JSON log line whose msg is `msg`; rejects if the process exits first. */
    async logLine(msg: string): Promise<Record<string, unknown>> {
      for (;;) {
        for (const line of output.split("\n")) {
          if (!line.startsWith("{")) continue;
          const parsed = JSON.parse(line) as Record<string, unknown>;
          if (parsed.msg === msg) return parsed;
        }
        if (child.exitCode !== null) throw new Error(`exited before "${msg}":\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}

let dir: string;
const children: ChildProcess[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "isa-api-bin-"));
});
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  await rm(dir, { recursive: true, force: true });
});

describe("isa-api", () => {
  it("starts from .env, serves, and stops on SIGTERM with exit code 0", async () => {
    await writeFile(join(dir, ".env"), "API_PORT=0\nLOG_LEVEL=info\n");
    const api = spawnApi(dir);
    children.push(api.child);
    const ready = await api.logLine("isa-api ready");
    expect(ready.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // No ISA_JWT_SECRET: it runs on loopback, and says it uses the built-in dev secret.
    expect(api.output()).toContain("built-in dev secret");
    const res = await fetch(`${ready.url}/healthz`);
    expect(res.status).toBe(200);
    api.child.kill("SIGTERM");
    expect(await api.exited).toBe(0);
    expect(api.output()).toContain('"msg":"stopped"');
  });

  it("stops on SIGINT too", async () => {
    const api = spawnApi(dir, { API_PORT: "0", ISA_JWT_SECRET: "a-real-secret-for-this-test" });
    children.push(api.child);
    await api.logLine("isa-api ready");
    expect(api.output()).not.toContain("built-in dev secret");
    api.child.kill("SIGINT");
    expect(await api.exited).toBe(0);
  });

  it("exits 2 naming the variable when a setting is bad", async () => {
    const api = spawnApi(dir, { API_PORT: "eighty" });
    children.push(api.child);
    expect(await api.exited).toBe(2);
    expect(api.output()).toContain("API_PORT");
  });

  it("refuses to listen beyond loopback on the built-in dev secret, naming ISA_JWT_SECRET", async () => {
    const api = spawnApi(dir, { API_PORT: "0", API_HOST: "0.0.0.0" });
    children.push(api.child);
    expect(await api.exited).toBe(1);
    expect(api.output()).toMatch(/refusing to listen on 0\.0\.0\.0.*ISA_JWT_SECRET/);
  });
});
