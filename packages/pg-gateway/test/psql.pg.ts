import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertClientsInstalled, psql } from "./clients.js";
import { type Harness, startHarness } from "./harness.js";

let h: Harness;
let env: Record<string, string>;
beforeAll(async () => {
  await assertClientsInstalled();
  h = await startHarness();
  const alice = await h.analytics("alice");
  await alice.createDatabase("analytics");
  await alice.createDatabase("scratch");
  await alice.execute(
    "analytics",
    "CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL DEFAULT 'x', price DECIMAL(10,2))",
  );
  await alice.execute("analytics", "INSERT INTO t VALUES (1, 'one', 1.5), (2, 'two', NULL)");
  await alice.execute("analytics", "CREATE VIEW v AS SELECT id FROM t");
  env = await h.libpqEnv("alice", "analytics");
});
afterAll(() => h?.close());

describe("psql through the gateway", () => {
  it("connects with a token as PGPASSWORD and runs a query", async () => {
    const r = await psql(env, ["SELECT id, name, price FROM t ORDER BY id"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain(" 1 | one  |  1.50");
    expect(r.stdout).toContain("(2 rows)");
  });

  it("lists the caller's databases with \\l", async () => {
    const r = await psql(env, ["\\l"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/analytics\s*\|\s*alice\s*\|\s*UTF8/);
    expect(r.stdout).toContain("scratch");
  });

  it("lists tables with \\dt", async () => {
    const r = await psql(env, ["\\dt"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/main\s*\|\s*t\s*\|\s*table\s*\|\s*alice/);
    expect(r.stdout).not.toMatch(/\|\s*v\s*\|/);
  });

  it("describes a table with \\d t", async () => {
    const r = await psql(env, ["\\d t"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain('Table "main.t"');
    expect(r.stdout).toMatch(/id\s*\|\s*INTEGER\s*\|\s*\|\s*not null/);
    expect(r.stdout).toMatch(/name\s*\|\s*VARCHAR\s*\|\s*\|\s*not null\s*\|\s*'x'/);
    expect(r.stdout).toMatch(/price\s*\|\s*DECIMAL\(10,2\)/);
  });

  it("copies a query's result to a local file with \\copy", async () => {
    const dir = await mkdtemp(join(tmpdir(), "pg-gateway-copy-"));
    try {
      const r = await psql(
        env,
        ["\\copy (SELECT id, name FROM t ORDER BY id) to 'out.csv' with csv header"],
        dir,
      );
      expect(r.stderr).toBe("");
      expect(await readFile(join(dir, "out.csv"), "utf8")).toBe("id,name\n1,one\n2,two\n");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
