import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertClientsInstalled, python } from "./clients.js";
import { type Harness, startHarness } from "./harness.js";
import { TYPE_CASES } from "./type-cases.js";

let h: Harness;
let env: Record<string, string>;
beforeAll(async () => {
  await assertClientsInstalled();
  h = await startHarness();
  const alice = await h.analytics("alice");
  await alice.createDatabase("analytics");
  await alice.execute("analytics", "CREATE TABLE events (id INTEGER, kind VARCHAR)");
  await alice.execute(
    "analytics",
    "INSERT INTO events SELECT range, 'k' || (range % 3) FROM range(10000)",
  );
  env = await h.libpqEnv("alice", "analytics");
});
afterAll(() => h?.close());

/** Runs `body` (Python, indented by 0) with `conn` open; its stdout is the result. */
async function py(body: string): Promise<string> {
  const r = await python(env, `import json, psycopg2\nconn = psycopg2.connect("")\n${body}\n`);
  if (r.code !== 0) throw new Error(`python failed (${r.code}):\n${r.stderr}`);
  return r.stdout.trim();
}

describe("psycopg2 through the gateway", () => {
  it("binds parameters (client-side interpolation, within the implicit transaction)", async () => {
    const out = await py(`cur = conn.cursor()
cur.execute("SELECT id, kind FROM events WHERE id < %s AND kind = %s ORDER BY id", (7, "k1"))
print(json.dumps(cur.fetchall()))
conn.commit()`);
    expect(JSON.parse(out)).toEqual([
      [1, "k1"],
      [4, "k1"],
    ]);
  });

  it("reads through a server-side (named) cursor in batches", async () => {
    const out = await py(`cur = conn.cursor(name="big")
cur.itersize = 1000
cur.execute("SELECT id FROM events ORDER BY id")
n = 0
total = 0
for (i,) in cur:
    n += 1
    total += i
cur.close()
conn.commit()
print(json.dumps([n, total]))`);
    expect(JSON.parse(out)).toEqual([10000, 49995000]);
  });

  it("round-trips each mapped type's text", async () => {
    const cases = TYPE_CASES.map((t) => ({
      value: `(${t.literal})::${t.type}`,
      back: t.back.replaceAll("$1", "%s"),
    }));
    const out = await py(`conn.autocommit = True
oids = sorted({${[...new Set(TYPE_CASES.map((t) => t.oid))].join(", ")}})
# The text exactly as sent: no psycopg2 type casting.
psycopg2.extensions.register_type(psycopg2.extensions.new_type(tuple(oids), "RAW", lambda v, cur: v))
cur = conn.cursor()
results = []
for case in json.loads(${JSON.stringify(JSON.stringify(cases))}):
    cur.execute("SELECT " + case["value"])
    oid = cur.description[0].type_code
    text = cur.fetchone()[0]
    cur.execute("SELECT (" + case["back"] + ")::VARCHAR = (" + case["value"] + ")::VARCHAR", (text,))
    results.append([oid, text, cur.fetchone()[0]])
print(json.dumps(results))`);
    const results = JSON.parse(out) as Array<[number, string, string]>;
    expect(results).toEqual(TYPE_CASES.map((t) => [t.oid, t.text, "t"]));
  });

  it("says that ROLLBACK cannot undo a write made in the block", async () => {
    const out = await py(`cur = conn.cursor()
cur.execute("CREATE TABLE IF NOT EXISTS tx (a INTEGER)")
cur.execute("INSERT INTO tx VALUES (1)")
try:
    conn.rollback()
    print("rolled back")
except psycopg2.Error as e:
    print(e.pgcode, str(e).splitlines()[0])
cur = conn.cursor()
cur.execute("SELECT count(*) FROM tx")
print(cur.fetchone()[0])`);
    const [first, count] = out.split("\n");
    expect(first).toMatch(
      /^25000 ROLLBACK cannot undo 2 statement\(s\) run since BEGIN \(CREATE TABLE, INSERT\)/,
    );
    expect(count).toBe("1");
  });

  it("rolls back a read-only block without complaint", async () => {
    const out = await py(`cur = conn.cursor()
cur.execute("SELECT 1")
conn.rollback()
print("ok")`);
    expect(out).toBe("ok");
  });
});
