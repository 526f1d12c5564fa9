import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  const alice = await h.analytics("alice");
  await alice.createDatabase("analytics");
  await alice.execute("analytics", "CREATE TABLE secrets AS SELECT 42 AS answer");
  await (await h.analytics("bob")).createDatabase("bobs");
  await (await h.analytics("carol", "acme")).createDatabase("shared", { organizationId: "acme" });
});
afterAll(() => h?.close());

describe("identity and tenancy through the gateway", () => {
  it("answers another user's database name with 3D000", async () => {
    await expect(h.connect("bob", "analytics")).rejects.toMatchObject({ code: "3D000" });
  });

  it("refuses a user name that is not the token's subject (28P01)", async () => {
    const err = await h
      .connect("bob", "bobs", { password: await h.token("alice") })
      .catch((e) => e);
    expect(err).toMatchObject({ code: "28P01" });
    expect(err.message).toContain('the token is for user "alice"');
  });

  it("refuses an expired token with 28P01 and says how to get one", async () => {
    const err = await h
      .connect("alice", "analytics", { password: await h.token("alice", { expiresIn: "-1m" }) })
      .catch((e) => e);
    expect(err).toMatchObject({ code: "28P01" });
    expect(err.message).toContain("expired");
    expect(err.hint).toContain("isa token");
  });

  it("refuses a password that is not a token (28P01)", async () => {
    await expect(h.connect("alice", "analytics", { password: "hunter2" })).rejects.toMatchObject({
      code: "28P01",
    });
  });

  it("reaches an organization's database as org/<name> for a member only", async () => {
    const member = await h.connect("carol", "org/shared", {
      password: await h.token("carol", { org: "acme" }),
    });
    expect((await member.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    await expect(h.connect("bob", "org/shared")).rejects.toMatchObject({
      code: expect.stringMatching(/^(3D000|42501)$/),
    });
  });

  it.each([
    ["read_csv('/etc/passwd')", "SELECT * FROM read_csv('/etc/passwd')"],
    ["ATTACH", "ATTACH '/tmp/other.duckdb' AS other"],
    ["COPY TO a file", "COPY (SELECT 1) TO '/tmp/pg-gateway-escape.csv'"],
    ["SET", "SET enable_external_access = true"],
    ["INSTALL", "INSTALL httpfs"],
    ["LOAD", "LOAD httpfs"],
  ])("refuses the sandbox escape %s with 42501", async (_, sql) => {
    const c = await h.connect("alice", "analytics");
    await expect(c.query(sql)).rejects.toMatchObject({ code: "42501" });
  });
});
