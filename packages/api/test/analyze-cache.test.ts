import { analyticsDatabaseId } from "@isa-cloud/data-service";
import { bearer, eventsCsv } from "@isa-cloud/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./test-app.js";

// POST /analyze with data-service's result cache on (the default): repeated analyses are
// served from it, and these check that it stays exact through the API.
let stack: TestApp;
let alice: { authorization: string };
let bob: { authorization: string };

const JANUARY = { start_date: "2024-01-01", end_date: "2024-01-31" };

async function load(headers: { authorization: string }, name: string, csv: string) {
  const up = await stack.app.inject({
    method: "POST",
    url: "/api/v1/data/upload",
    headers,
    payload: { file_name: name, data: Buffer.from(csv).toString("base64") },
  });
  expect(up.statusCode).toBe(201);
  const imported = await stack.app.inject({
    method: "POST",
    url: "/api/v1/data/import",
    headers,
    payload: { file_name: name },
  });
  expect(imported.statusCode).toBe(200);
}

async function analyze(headers: { authorization: string }, payload: object = JANUARY) {
  const res = await stack.app.inject({
    method: "POST",
    url: "/api/v1/data/analyze",
    headers,
    payload,
  });
  return { status: res.statusCode, body: res.json() };
}

beforeAll(async () => {
  stack = await startTestApp();
  alice = bearer(await stack.token("alice"));
  bob = bearer(await stack.token("bob"));
  await load(alice, "a.csv", eventsCsv([["click", "2024-01-01", 2, 1]]));
  await load(bob, "b.csv", eventsCsv([["view", "2024-01-02", 8, 1]]));
});

afterAll(async () => {
  await stack?.close();
});

describe("POST /analyze with the result cache", () => {
  it("answers anew after POST /import adds events", async () => {
    expect((await analyze(alice)).body.events).toEqual([
      { event_type: "click", count: 1, avg_duration: 2 },
    ]);
    await load(alice, "a2.csv", eventsCsv([["click", "2024-01-03", 4, 1]]));
    expect((await analyze(alice)).body.events).toEqual([
      { event_type: "click", count: 2, avg_duration: 3 },
    ]);
  });

  it("answers anew after an SQL write through another door (the analytics service)", async () => {
    await analyze(alice);
    const token = alice.authorization.slice("Bearer ".length);
    await stack.data.storage
      .forToken(token)
      .duckdb.execute(
        analyticsDatabaseId("alice"),
        "INSERT INTO user_events (user_id, event_type, date, duration) VALUES ('alice', 'buy', DATE '2024-01-04', 10)",
      );
    expect((await analyze(alice)).body.events).toContainEqual({
      event_type: "buy",
      count: 1,
      avg_duration: 10,
    });
  });

  it("refuses an SQL write through POST /query, and the analysis stays as it was", async () => {
    const before = await analyze(alice);
    const write = await stack.app.inject({
      method: "POST",
      url: "/api/v1/data/query",
      headers: alice,
      payload: { sql: "DELETE FROM user_events" },
    });
    expect(write.statusCode).toBe(400);
    expect(await analyze(alice)).toEqual(before);
  });

  it("gives concurrent identical requests the same answer, each user their own", async () => {
    const answers = await Promise.all(
      Array.from({ length: 16 }, (_, i) => analyze(i % 2 === 0 ? alice : bob)),
    );
    for (const [i, answer] of answers.entries()) {
      expect(answer.status).toBe(200);
      expect(answer.body.user_id).toBe(i % 2 === 0 ? "alice" : "bob");
      expect(answer.body).toEqual(answers[i % 2]?.body);
    }
    expect(answers[1]?.body.events).toEqual([{ event_type: "view", count: 1, avg_duration: 8 }]);
  });

  it("never answers from the cache for another user's id or a bad period", async () => {
    const other = await stack.app.inject({
      method: "POST",
      url: "/api/v1/data/analyze?user_id=alice",
      headers: bob,
      payload: JANUARY,
    });
    expect(other.statusCode).toBe(403);
    expect(
      (await analyze(alice, { start_date: "2024-01-31", end_date: "2024-01-01" })).status,
    ).toBe(400);
    expect((await analyze(alice, { start_date: "2024-01-01" })).status).toBe(400);
  });
});
