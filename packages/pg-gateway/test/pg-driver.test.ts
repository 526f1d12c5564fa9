import pg from "pg";
import Cursor from "pg-cursor";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  const alice = await h.analytics("alice");
  await alice.createDatabase("analytics");
  await alice.execute(
    "analytics",
    "CREATE TABLE events (id INTEGER, kind VARCHAR, amount DECIMAL(10,2))",
  );
  await alice.execute(
    "analytics",
    "INSERT INTO events VALUES (1, 'click', 1.50), (2, 'view', 2.25), (3, 'click', NULL)",
  );
});
afterAll(() => h?.close());

describe("the pg driver through the gateway", () => {
  it("connects with a token and runs a query", async () => {
    const c = await h.connect("alice", "analytics");
    const r = await c.query("SELECT count(*) AS n FROM events");
    expect(r.rows).toEqual([{ n: "3" }]);
    expect(r.command).toBe("SELECT");
    expect(r.rowCount).toBe(1);
  });

  it("binds $1..$n parameters", async () => {
    const c = await h.connect("alice", "analytics");
    const r = await c.query("SELECT id, kind FROM events WHERE kind = $1 AND id > $2 ORDER BY id", [
      "click",
      1,
    ]);
    expect(r.rows).toEqual([{ id: 3, kind: "click" }]);
  });

  it("runs named prepared statements again with other parameters", async () => {
    const c = await h.connect("alice", "analytics");
    const q = (id: number) =>
      c.query({ name: "by-id", text: "SELECT kind FROM events WHERE id = $1", values: [id] });
    expect((await q(1)).rows).toEqual([{ kind: "click" }]);
    expect((await q(2)).rows).toEqual([{ kind: "view" }]);
  });

  it("tags writes with their row counts", async () => {
    const c = await h.connect("alice", "analytics");
    const created = await c.query("CREATE TABLE t1 (a INTEGER, b VARCHAR)");
    expect(created.command).toBe("CREATE");
    const inserted = await c.query("INSERT INTO t1 VALUES (1, 'x'), (2, 'y'), ($1, $2)", [3, "z"]);
    expect([inserted.command, inserted.rowCount]).toEqual(["INSERT", 3]);
    const updated = await c.query("UPDATE t1 SET b = 'w' WHERE a >= 2");
    expect([updated.command, updated.rowCount]).toEqual(["UPDATE", 2]);
    const deleted = await c.query("DELETE FROM t1 WHERE a = 1");
    expect([deleted.command, deleted.rowCount]).toEqual(["DELETE", 1]);
    const returning = await c.query("INSERT INTO t1 VALUES (9, 'r') RETURNING a, b");
    expect(returning.rows).toEqual([{ a: 9, b: "r" }]);
  });

  it("reads 1,000,000 rows through a cursor in batches", async () => {
    const c = await h.connect("alice", "analytics");
    const cursor = c.query(new Cursor("SELECT range AS n FROM range(1000000)"));
    let count = 0;
    let sum = 0n;
    for (;;) {
      const rows: Array<{ n: string }> = await cursor.read(50_000);
      if (rows.length === 0) break;
      count += rows.length;
      for (const r of rows) sum += BigInt(r.n);
    }
    await cursor.close();
    expect(count).toBe(1_000_000);
    expect(sum).toBe(499999500000n);
  }, 120_000);

  it("cancels a running query with a CancelRequest (57014), and the session goes on", async () => {
    const c = await h.connect("alice", "analytics");
    const pid = (c as unknown as { processID: number }).processID;
    const running = c.query("SELECT count(*) FROM range(100000000000) a").catch((err) => err);
    await new Promise((r) => setTimeout(r, 500));
    const canceller = await h.connect("alice", "analytics");
    await canceller.query("SELECT 1");
    // pg's client.cancel is internal; a second connection sends CancelRequest as libpq does.
    await new Promise<void>((resolve, reject) => {
      const con = new (
        pg as unknown as {
          Connection: new () => pg.Connection & {
            cancel(pid: number, key: number): void;
            connect(port: number, host: string): void;
          };
        }
      ).Connection();
      con.on("connect", () => {
        con.cancel(pid, (c as unknown as { secretKey: number }).secretKey);
      });
      con.on("end", () => resolve());
      con.on("error", reject);
      con.connect(h.port, "127.0.0.1");
    });
    expect(await running).toMatchObject({ code: "57014" });
    expect((await c.query("SELECT 2 AS x")).rows).toEqual([{ x: 2 }]);
  });

  it("maps errors to SQLSTATEs", async () => {
    const c = await h.connect("alice", "analytics");
    await expect(c.query("SELEC 1")).rejects.toMatchObject({ code: "42601" });
    await expect(c.query("SELECT * FROM nope")).rejects.toMatchObject({ code: "42P01" });
    await expect(c.query("SELECT nope FROM events")).rejects.toMatchObject({ code: "42703" });
    expect((await c.query("SELECT 1 AS ok")).rows).toEqual([{ ok: 1 }]);
  });
});
