import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { run } from "../src/program.js";
import { curlToRequest, spawnIsa } from "./child-stack.js";
import { memoryIo } from "./memory-io.js";

// Every port 0: the test runs beside anything else on the machine.
const ephemeral = {
  MINIO_GRPC_PORT: "0",
  MINIO_HTTP_PORT: "0",
  DUCKDB_GRPC_PORT: "0",
  API_PORT: "0",
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "isa-start-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("isa start", () => {
  it("brings the stack up, prints a curl example that works, and stops cleanly on Ctrl-C", async () => {
    const isa = spawnIsa(["start"], { cwd: dir, env: ephemeral });
    try {
      const output = await isa.waitFor("Stop with Ctrl-C.");
      expect(output).toContain("[1/3] storage");
      expect(output).toContain("[2/3] analytics");
      expect(output).toContain("[3/3] api");
      expect(output).toContain("new signing secret");
      expect((await stat(join(dir, "data", ".isa-secret"))).mode & 0o777).toBe(0o600);

      const curl = output.split("\n").find((line) => line.trim().startsWith("curl -s -X POST"));
      expect(curl).toBeDefined();
      const { url, init } = curlToRequest(curl!);
      const res = await fetch(url, init);
      expect(res.status).toBe(201);
      expect(await res.json()).toMatchObject({ status: "success", key: "hello.txt" });

      // The other commands, against this stack, with a token minted from its secret.
      const apiUrl = /ready on (http:\/\/\S+)/.exec(output)![1]!;
      const env = { ISA_API_URL: apiUrl };
      const local = join(dir, "notes.txt");
      await writeFile(local, "some notes\n");
      const upload = memoryIo(env, dir);
      expect(await run(["upload", local, "docs/notes.txt"], upload.io)).toBe(0);
      expect(upload.out()).toContain("stored docs/notes.txt");
      const download = memoryIo(env, dir);
      expect(await run(["download", "docs/notes.txt", "copy.txt"], download.io)).toBe(0);
      expect(await readFile(join(dir, "copy.txt"), "utf8")).toBe("some notes\n");

      const demo = memoryIo(env, dir);
      expect(await run(["demo", "--events", "200"], demo.io)).toBe(0);
      expect(demo.out()).toContain("imported 200 events into user_events");
      expect(demo.out()).toContain("page_view");
      expect(demo.out()).toContain("stored report reports/daily_summary_2024-01-15.json");

      const query = memoryIo(env, dir);
      expect(
        await run(
          [
            "query",
            "SELECT count(*) AS n FROM user_events WHERE date >= CAST($d AS DATE)",
            "-p",
            "d=2024-01-01",
          ],
          query.io,
        ),
      ).toBe(0);
      expect(query.out()).toMatch(/│ 200 +│/);
      expect(query.out()).toContain("1 row");

      const refused = memoryIo(env, dir);
      expect(await run(["query", "DROP TABLE user_events"], refused.io)).toBe(1);
      expect(refused.err()).toContain("400 only read-only queries");

      const other = memoryIo(env, dir);
      expect(
        await run(["download", "docs/notes.txt", "x.txt", "--user", "mallory"], other.io),
      ).toBe(1);
      expect(other.err()).toContain("404");
    } finally {
      const code = await isa.interrupt();
      expect(code).toBe(0);
      expect(isa.output()).toContain("stopped.");
    }
  });

  it("starts each service alone, as separate processes that work together", async () => {
    const storage = spawnIsa(["start", "--only", "storage"], { cwd: dir, env: ephemeral });
    const started: Array<ReturnType<typeof spawnIsa>> = [storage];
    try {
      const storageOut = await storage.waitFor("Stop with Ctrl-C.");
      expect(storageOut).toContain("[1/1] storage");
      expect(storageOut).not.toContain("analytics");
      const storagePort = /storage +ready on 127\.0\.0\.1:(\d+)/.exec(storageOut)![1]!;

      const analytics = spawnIsa(
        ["start", "--only", "analytics", "--data-dir", join(dir, "data")],
        {
          cwd: dir,
          env: { ...ephemeral, MINIO_GRPC_HOST: "127.0.0.1", MINIO_GRPC_PORT: storagePort },
        },
      );
      started.push(analytics);
      const analyticsOut = await analytics.waitFor("Stop with Ctrl-C.");
      const analyticsPort = /analytics +ready on 127\.0\.0\.1:(\d+)/.exec(analyticsOut)![1]!;

      const api = spawnIsa(["start", "--only", "api"], {
        cwd: dir,
        env: {
          ...ephemeral,
          MINIO_GRPC_HOST: "127.0.0.1",
          MINIO_GRPC_PORT: storagePort,
          DUCKDB_GRPC_HOST: "127.0.0.1",
          DUCKDB_GRPC_PORT: analyticsPort,
        },
      });
      started.push(api);
      const apiOut = await api.waitFor("Stop with Ctrl-C.");
      const curl = apiOut.split("\n").find((line) => line.trim().startsWith("curl -s -X POST"))!;
      const { url, init } = curlToRequest(curl);
      expect((await fetch(url, init)).status).toBe(201);
      const ready = await fetch(url.replace("/api/v1/data/upload", "/readyz"));
      expect(ready.status).toBe(200);
    } finally {
      for (const isa of started.reverse()) expect(await isa.interrupt()).toBe(0);
    }
  });

  it("says which port is taken when it cannot listen", async () => {
    const first = spawnIsa(["start", "--only", "storage"], { cwd: dir, env: ephemeral });
    try {
      const out = await first.waitFor("Stop with Ctrl-C.");
      const port = /ready on 127\.0\.0\.1:(\d+)/.exec(out)![1]!;
      const second = spawnIsa(["start", "--only", "storage", "--data-dir", join(dir, "other")], {
        cwd: dir,
        env: { ...ephemeral, MINIO_GRPC_PORT: port },
      });
      expect(await second.exited).not.toBe(0);
      expect(second.output()).toContain(
        `isa: storage cannot listen on 127.0.0.1:${port}: the port is taken`,
      );
    } finally {
      await first.interrupt();
    }
  });
});
