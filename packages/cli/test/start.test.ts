import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EPHEMERAL_PORTS, stopChildren } from "@isa-cloud/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { run } from "../src/program.js";
import { curlToRequest } from "./curl-line.js";
import { memoryIo } from "./memory-io.js";
import { spawnIsa } from "./spawn-isa.js";

// `isa start` as the user runs it: a child process, waited on through the lines it
// prints. On a loaded 2-core machine one start (DuckDB, Fastify, the OpenAPI document)
// can take tens of seconds, so these tests get minutes; each is one or three starts.
const ONE_START_MS = 180_000;
// Ctrl-C checkpoints every open database before exiting 0; only then is it done.
const CTRL_C_GRACE_MS = 60_000;
// Only PATH and the ports from outside: a developer's ISA_* or MINIO_* settings stay out.
const clean = { inheritEnv: false, env: EPHEMERAL_PORTS };

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "isa-start-"));
});
afterEach(async () => {
  // A test that failed or timed out midway still leaves no `isa start` behind.
  await stopChildren();
  await rm(dir, { recursive: true, force: true });
});

describe("isa start", () => {
  it(
    "brings the stack up, prints a curl example that works, and stops cleanly on Ctrl-C",
    async () => {
      // A config directory of its own: `isa start` writes the "local" profile there.
      const config = { XDG_CONFIG_HOME: join(dir, "config") };
      const isa = spawnIsa(["start"], {
        cwd: dir,
        ...clean,
        env: { ...EPHEMERAL_PORTS, ...config },
      });
      const output = await isa.waitFor("Stop with Ctrl-C.");
      // Counted out of however many services `isa start` runs (the Postgres endpoint may be one).
      expect(output).toMatch(/\[1\/\d\] storage/);
      expect(output).toMatch(/\[2\/\d\] analytics/);
      expect(output).toMatch(/\[(\d)\/\1\] api/);
      expect(output).toContain("new signing secret");
      expect((await stat(join(dir, "data", ".isa-secret"))).mode & 0o777).toBe(0o600);

      const curl = output.split("\n").find((line) => line.trim().startsWith("curl -s -X POST"));
      expect(curl).toBeDefined();
      const { url, init } = curlToRequest(curl!);
      const res = await fetch(url, init);
      expect(res.status).toBe(201);
      expect(await res.json()).toMatchObject({ status: "success", key: "hello.txt" });

      // Client commands find the stack on its ephemeral ports through the "local" profile
      // the child wrote, and mint their token from the secret it created.
      expect(output).toContain(`Profile "local" in ${join(dir, "config", "isa", "config.json")}`);
      const env = config;
      const ls = memoryIo(env, tmpdir()); // another directory: nothing but the profile
      expect(await run(["ls"], ls.io)).toBe(0);
      expect(ls.out()).toContain("data/");
      await writeFile(join(dir, "notes.txt"), "some notes\n");
      const upload = memoryIo(env, dir);
      expect(await run(["upload", "notes.txt", "docs/notes.txt"], upload.io)).toBe(0);
      expect(upload.out()).toContain("isa://data/docs/notes.txt");
      const download = memoryIo(env, dir);
      expect(await run(["download", "docs/notes.txt", "copy.txt"], download.io)).toBe(0);
      expect(await readFile(join(dir, "copy.txt"), "utf8")).toBe("some notes\n");

      expect(await isa.stop("SIGINT", CTRL_C_GRACE_MS)).toBe(0);
      expect(isa.output()).toContain("stopped.");
    },
    ONE_START_MS,
  );

  it(
    "starts each service alone, as separate processes that work together",
    async () => {
      const storage = spawnIsa(["start", "--only", "storage"], { cwd: dir, ...clean });
      const storageOut = await storage.waitFor("Stop with Ctrl-C.");
      expect(storageOut).toContain("[1/1] storage");
      expect(storageOut).not.toContain("analytics");
      const storagePort = /storage +ready on 127\.0\.0\.1:(\d+)/.exec(storageOut)![1]!;
      const storageAt = { MINIO_GRPC_HOST: "127.0.0.1", MINIO_GRPC_PORT: storagePort };

      const analytics = spawnIsa(
        ["start", "--only", "analytics", "--data-dir", join(dir, "data")],
        { cwd: dir, ...clean, env: { ...EPHEMERAL_PORTS, ...storageAt } },
      );
      const analyticsOut = await analytics.waitFor("Stop with Ctrl-C.");
      const analyticsPort = /analytics +ready on 127\.0\.0\.1:(\d+)/.exec(analyticsOut)![1]!;

      const api = spawnIsa(["start", "--only", "api"], {
        cwd: dir,
        ...clean,
        env: {
          ...EPHEMERAL_PORTS,
          ...storageAt,
          DUCKDB_GRPC_HOST: "127.0.0.1",
          DUCKDB_GRPC_PORT: analyticsPort,
        },
      });
      const apiOut = await api.waitFor("Stop with Ctrl-C.");
      const curl = apiOut.split("\n").find((line) => line.trim().startsWith("curl -s -X POST"))!;
      const { url, init } = curlToRequest(curl);
      expect((await fetch(url, init)).status).toBe(201);
      const ready = await fetch(url.replace("/api/v1/data/upload", "/readyz"));
      expect(ready.status).toBe(200);

      for (const isa of [api, analytics, storage]) {
        expect(await isa.stop("SIGINT", CTRL_C_GRACE_MS)).toBe(0);
      }
    },
    3 * ONE_START_MS,
  );

  it(
    "says which port is taken when it cannot listen",
    async () => {
      const first = spawnIsa(["start", "--only", "storage"], { cwd: dir, ...clean });
      const out = await first.waitFor("Stop with Ctrl-C.");
      const port = /ready on 127\.0\.0\.1:(\d+)/.exec(out)![1]!;
      const second = spawnIsa(["start", "--only", "storage", "--data-dir", join(dir, "other")], {
        cwd: dir,
        ...clean,
        env: { ...EPHEMERAL_PORTS, MINIO_GRPC_PORT: port },
      });
      expect(await second.exited).not.toBe(0);
      expect(second.output()).toContain(
        `isa: storage cannot listen on 127.0.0.1:${port}: the port is taken`,
      );
      expect(await first.stop("SIGINT", CTRL_C_GRACE_MS)).toBe(0);
    },
    2 * ONE_START_MS,
  );
});
