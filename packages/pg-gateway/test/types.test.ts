import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./harness.js";
import { TYPE_CASES } from "./type-cases.js";

let h: Harness;
let c: pg.Client;
beforeAll(async () => {
  h = await startHarness();
  await (await h.analytics("alice")).createDatabase("analytics");
  // Raw text: what the gateway sent, before any parsing by the driver.
  c = await h.connect("alice", "analytics", { types: { getTypeParser: () => (v: string) => v } });
});
afterAll(() => h?.close());

describe("types through the pg driver", () => {
  it.each(TYPE_CASES)("$type $literal goes out as OID $oid, text $text, and back", async (t) => {
    const r = await c.query(`SELECT ${t.literal}::${t.type} AS v`);
    expect(r.fields[0]!.dataTypeID).toBe(t.oid);
    expect(r.rows[0].v).toBe(t.text);
    const back = await c.query(
      `SELECT (${t.back})::VARCHAR = (${t.literal}::${t.type})::VARCHAR AS same`,
      [r.rows[0].v],
    );
    expect(back.rows[0].same).toBe("t");
  });

  it("sends NULL of any type as a NULL cell", async () => {
    const r = await c.query("SELECT NULL::INTEGER AS a, NULL::VARCHAR[] AS b");
    expect(r.rows[0]).toEqual({ a: null, b: null });
  });

  it("gives numeric's precision and scale in the typmod", async () => {
    const r = await c.query("SELECT 1.5::DECIMAL(10,2) AS d");
    expect(r.fields[0]!.dataTypeModifier).toBe(((10 << 16) | 2) + 4);
  });
});
