import { Readable } from "node:stream";
import { startTestStack, type TestStack } from "@isa-cloud/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataService } from "../src/data-service.js";
import { analyticsDatabaseId } from "../src/names.js";
import { StorageService } from "../src/storage-service.js";

let stack: TestStack;
let storage: StorageService;
let data: DataService;
let alice: DataService;
let bob: DataService;
let aliceToken: string;

const CSV = "date,event_type,duration\n2024-05-01,open,10\n2024-05-02,open,20\n";
const analyze = (svc: DataService, user: string) =>
  svc.analyzeUserBehavior(user, "2024-05-01", "2024-05-31");

async function load(svc: DataService, user: string, name: string, csv: string) {
  await svc.storeUserData(user, name, Readable.from([Buffer.from(csv)]));
  await svc.importUserData(user, name);
}

beforeAll(async () => {
  stack = await startTestStack();
  storage = new StorageService({
    minioAddress: stack.storage.address,
    duckdbAddress: stack.analytics.address,
  });
  data = new DataService(storage);
  aliceToken = await stack.token("alice");
  alice = data.forCaller({ userId: "alice", token: aliceToken });
  bob = data.forCaller({ userId: "bob", token: await stack.token("bob") });
  await load(alice, "alice", "a.csv", CSV);
  await load(bob, "bob", "b.csv", `${CSV}2024-05-03,close,5\n`);
});

afterAll(async () => {
  storage?.close();
  await stack?.close();
});

describe("analyzeUserBehavior's result cache", () => {
  it("answers a repeated analysis from the cache while the database is unchanged", async () => {
    const first = await analyze(alice, "alice");
    expect(await analyze(alice, "alice")).toBe(first);
  });

  it("answers anew after an import into the database", async () => {
    const before = await analyze(alice, "alice");
    await load(alice, "alice", "a2.csv", "date,event_type,duration\n2024-05-04,open,30\n");
    const after = await analyze(alice, "alice");
    expect(after.events).toEqual([{ event_type: "open", count: 3, avg_duration: 20 }]);
    expect(before.events).toEqual([{ event_type: "open", count: 2, avg_duration: 15 }]);
  });

  it("answers anew after a write in SQL through any client", async () => {
    const before = await analyze(alice, "alice");
    const sql = storage.forToken(aliceToken).duckdb;
    await sql.execute(
      analyticsDatabaseId("alice"),
      "INSERT INTO user_events (user_id, event_type, date, duration) VALUES ('alice', 'close', DATE '2024-05-05', 1)",
    );
    const after = await analyze(alice, "alice");
    expect(after).not.toEqual(before);
    expect(after.events.find((e) => e.event_type === "close")).toEqual({
      event_type: "close",
      count: 1,
      avg_duration: 1,
    });
  });

  it("never gives one user another's result for the same period", async () => {
    const mine = await analyze(alice, "alice");
    const theirs = await analyze(bob, "bob");
    expect(theirs).not.toBe(mine);
    expect(theirs.user_id).toBe("bob");
    expect(theirs.events.find((e) => e.event_type === "close")?.avg_duration).toBe(5);
  });

  it("runs one analysis for identical requests that arrive together", async () => {
    // A new DataService: nothing kept yet, so all eight meet the analysis in flight.
    const cold = new DataService(storage).forCaller({ userId: "alice", token: aliceToken });
    const answers = await Promise.all(Array.from({ length: 8 }, () => analyze(cold, "alice")));
    expect(new Set(answers).size).toBe(1);
  });

  it("shows a write acknowledged while identical analyses run to every analysis asked after it", async () => {
    const fresh = new DataService(storage).forCaller({ userId: "alice", token: aliceToken });
    const running = Promise.all(Array.from({ length: 8 }, () => analyze(fresh, "alice")));
    await storage
      .forToken(aliceToken)
      .duckdb.execute(
        analyticsDatabaseId("alice"),
        "INSERT INTO user_events (user_id, event_type, date, duration) VALUES ('alice', 'share', DATE '2024-05-06', 4)",
      );
    const after = await Promise.all(Array.from({ length: 8 }, () => analyze(fresh, "alice")));
    for (const answer of after) {
      expect(answer.events.find((e) => e.event_type === "share")).toEqual({
        event_type: "share",
        count: 1,
        avg_duration: 4,
      });
    }
    await running;
  });

  it("keeps two users' identical requests apart when they arrive together", async () => {
    const [a, b] = await Promise.all([analyze(alice, "alice"), analyze(bob, "bob")]);
    expect(a.user_id).toBe("alice");
    expect(b.user_id).toBe("bob");
    expect(a.events.some((e) => e.event_type === "share")).toBe(true);
    expect(b.events.some((e) => e.event_type === "share")).toBe(false);
  });

  it("refuses another user's id before anything is read or shared", async () => {
    await expect(analyze(bob, "alice")).rejects.toThrow(/not the caller's/);
  });

  it("reads the database every time when turned off", async () => {
    const off = new DataService(storage, { resultCache: false }).forCaller({
      userId: "alice",
      token: aliceToken,
    });
    const first = await analyze(off, "alice");
    const second = await analyze(off, "alice");
    expect(second).not.toBe(first);
    expect(second).toEqual(first);
  });

  it("answers anew after the database is deleted and made again with other events", async () => {
    const before = await analyze(alice, "alice");
    await storage.forToken(aliceToken).duckdb.deleteDatabase(analyticsDatabaseId("alice"));
    // The events table is remembered per DataService; a new one makes it again.
    const again = new DataService(storage).forCaller({ userId: "alice", token: aliceToken });
    await load(again, "alice", "a3.csv", "date,event_type,duration\n2024-05-09,open,7\n");
    const after = await analyze(alice, "alice");
    expect(before.events.length).toBeGreaterThan(1);
    expect(after.events).toEqual([{ event_type: "open", count: 1, avg_duration: 7 }]);
  });
});
