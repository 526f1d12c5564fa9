import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnNode, stopChildren } from "@isa-cloud/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
// Starting a process that loads Fastify and the OpenAPI document can take tens of
// seconds on a loaded 2-core machine.
const START_MS = 120_000;

/** `isa-api` in `cwd` with only `env` set (plus PATH), its output collected. */
function spawnApi(cwd: string, env: Record<string, string> = {}) {
  const api = spawnNode(bin, [], { cwd, env, inheritEnv: false });
  return {
    ...api,
    /** The first JSON log line whose msg is `msg`; rejects if the process exits first. */
    async logLine(msg: string): Promise<Record<string, unknown>> {
      const output = await api.waitFor(`"msg":${JSON.stringify(msg)}`);
      const line = output.split("\n").find((l) => l.includes(`"msg":${JSON.stringify(msg)}`));
      return JSON.parse(line!) as Record<string, unknown>;
    },
  };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "isa-api-bin-"));
});
afterEach(async () => {
  await stopChildren();
  await rm(dir, { recursive: true, force: true });
});

describe("isa-api", () => {
  it(
    "starts from .env, serves, and stops on SIGTERM with exit code 0",
    async () => {
      await writeFile(join(dir, ".env"), "API_PORT=0\nLOG_LEVEL=info\n");
      const api = spawnApi(dir);
      const ready = await api.logLine("isa-api ready");
      expect(ready.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      // No ISA_JWT_SECRET: it runs on loopback, and says it uses the built-in dev secret.
      expect(api.output()).toContain("built-in dev secret");
      const res = await fetch(`${ready.url}/healthz`);
      expect(res.status).toBe(200);
      expect(await api.stop("SIGTERM", 30_000)).toBe(0);
      expect(api.output()).toContain('"msg":"stopped"');
    },
    START_MS,
  );

  it(
    "stops on SIGINT too",
    async () => {
      const api = spawnApi(dir, { API_PORT: "0", ISA_JWT_SECRET: "a-real-secret-for-this-test" });
      await api.logLine("isa-api ready");
      expect(api.output()).not.toContain("built-in dev secret");
      expect(await api.stop("SIGINT", 30_000)).toBe(0);
    },
    START_MS,
  );

  it(
    "exits 2 naming the variable when a setting is bad",
    async () => {
      const api = spawnApi(dir, { API_PORT: "eighty" });
      expect(await api.exited).toBe(2);
      expect(api.output()).toContain("API_PORT");
    },
    START_MS,
  );

  it(
    "refuses to listen beyond loopback on the built-in dev secret, naming ISA_JWT_SECRET",
    async () => {
      const api = spawnApi(dir, { API_PORT: "0", API_HOST: "0.0.0.0" });
      expect(await api.exited).toBe(1);
      expect(api.output()).toMatch(/refusing to listen on 0\.0\.0\.0.*ISA_JWT_SECRET/);
    },
    START_MS,
  );
});
