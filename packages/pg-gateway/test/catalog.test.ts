import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./harness.js";

let h: Harness;
let c: pg.Client;
beforeAll(async () => {
  h = await startHarness();
  await (await h.analytics("alice")).createDatabase("analytics");
  c = await h.connect("alice", "analytics");
});
afterAll(() => h?.close());

describe("what drivers and BI tools ask at connect time", () => {
  it("answers version() and current_setting() as a Postgres server", async () => {
    const r = await c.query(
      "SELECT version() AS v, current_setting('server_version_num') AS n, current_database() AS db, current_user AS u",
    );
    expect(r.rows[0].v).toMatch(/^PostgreSQL 15\.0 /);
    expect(r.rows[0]).toMatchObject({ n: "150000", db: "analytics", u: "alice" });
  });

  it.each([
    ["server_version", /^15\.0/],
    ["client_encoding", /^UTF8$/],
    ["standard_conforming_strings", /^on$/],
    ["DateStyle", /^ISO, MDY$/],
    ["TimeZone", /^UTC$/],
    ["integer_datetimes", /^on$/],
    ["transaction_isolation", /./],
  ])("answers SHOW %s", async (name, value) => {
    const r = await c.query(`SHOW ${name}`);
    expect(Object.values(r.rows[0])[0]).toMatch(value);
  });

  it("accepts SET of a session parameter it honours and refuses a value it cannot", async () => {
    await c.query("SET application_name = 'bi-tool'");
    expect((await c.query("SHOW application_name")).rows[0].application_name).toBe("bi-tool");
    await c.query("SET extra_float_digits = 3");
    await expect(c.query("SET TimeZone = 'Europe/Paris'")).rejects.toMatchObject({ code: "22023" });
  });

  it("looks up pg_type by OID", async () => {
    const r = await c.query("SELECT typname FROM pg_catalog.pg_type WHERE oid = $1", [23]);
    expect(r.rows).toEqual([{ typname: "int4" }]);
  });

  it("answers catalogs DuckDB lacks with no rows", async () => {
    const r = await c.query("SELECT polname FROM pg_catalog.pg_policy WHERE polrelid = 1");
    expect(r.rows).toEqual([]);
  });
});

describe("transactions", () => {
  it("accepts BEGIN/COMMIT around statements, each committed as it runs", async () => {
    await c.query("CREATE TABLE tx (a INTEGER)");
    await c.query("BEGIN");
    await c.query("INSERT INTO tx VALUES (1)");
    expect((await c.query("COMMIT")).command).toBe("COMMIT");
    expect((await c.query("SELECT count(*)::INTEGER AS n FROM tx")).rows).toEqual([{ n: 1 }]);
  });

  it("refuses ROLLBACK after a write with an error saying it was committed", async () => {
    await c.query("BEGIN");
    await c.query("INSERT INTO tx VALUES (2)");
    const err = await c.query("ROLLBACK").catch((e) => e);
    expect(err).toMatchObject({ code: "25000" });
    expect(err.message).toContain("each was committed when it ran");
    expect((await c.query("SELECT count(*)::INTEGER AS n FROM tx")).rows).toEqual([{ n: 2 }]);
  });

  it("refuses statements after an error in the block until it ends (25P02)", async () => {
    await c.query("BEGIN");
    await expect(c.query("SELECT * FROM nope")).rejects.toMatchObject({ code: "42P01" });
    await expect(c.query("SELECT 1")).rejects.toMatchObject({ code: "25P02" });
    await c.query("ROLLBACK");
    expect((await c.query("SELECT 1 AS x")).rows).toEqual([{ x: 1 }]);
  });
});
