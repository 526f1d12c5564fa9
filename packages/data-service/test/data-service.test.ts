import { Readable } from "node:stream";
import { InvalidArgumentError, NotFoundError, PermissionDeniedError } from "@isa-cloud/rpc/wire";
import { startTestStack, type TestStack } from "@isa-cloud/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataService } from "../src/data-service.js";
import { parseIsoDate } from "../src/dates.js";
import { getDataService, getStorageService, resetServices } from "../src/factories.js";
import { ReportRegistry } from "../src/report-registry.js";
import { defaultReportTypes } from "../src/report-types.js";
import { StorageService } from "../src/storage-service.js";

let stack: TestStack;
let storage: StorageService;
let data: DataService;
let aliceToken: string;
let bobToken: string;

const weekly = {
  name: "weekly_values",
  description: "Sum of values in the 7 days from a date",
  parametersSchema: { type: "object" },
  parse: (params: Record<string, unknown>) => ({
    from: parseIsoDate(params.from, "from"),
  }),
  query: ({ from }: { from: string }) => ({
    sql: "SELECT sum(value) AS total, count(*) AS events FROM user_events WHERE date >= CAST($from AS DATE) AND date < CAST($from AS DATE) + 7",
    params: { from },
  }),
  keySuffix: ({ from }: { from: string }) => from,
  format: (rows: Record<string, unknown>[]) => rows[0],
};

beforeAll(async () => {
  stack = await startTestStack({ analytics: { maxOpenDatabases: 8 } });
  storage = new StorageService({
    minioAddress: stack.storage.address,
    duckdbAddress: stack.analytics.address,
  });
  data = new DataService(storage, {
    reports: new ReportRegistry(defaultReportTypes()).register(weekly),
  });
  aliceToken = await stack.token("alice");
  bobToken = await stack.token("bob@example.com");
});

afterAll(async () => {
  storage?.close();
  resetServices();
  await stack?.close();
});

// The DataService as the API uses it: bound to one verified caller per request.
const asAlice = <T>(fn: (svc: DataService) => Promise<T>) =>
  fn(data.forCaller({ userId: "alice", token: aliceToken }));
const asBob = <T>(fn: (svc: DataService) => Promise<T>) =>
  fn(data.forCaller({ userId: "bob@example.com", token: bobToken }));

describe("DataService", () => {
  it("stores a stream, imports it as CSV and analyzes it", async () => {
    const csv =
      "date,event_type,duration\n2024-05-01,open,10\n2024-05-02,open,20\n2024-05-02,close,\n";
    const stored = await asAlice((svc) =>
      svc.storeUserData("alice", "in/events.csv", Readable.from([Buffer.from(csv)])),
    );
    expect(stored).toMatchObject({ key: "in/events.csv", size: csv.length });
    const imported = await asAlice((svc) => svc.importUserData("alice", "in/events.csv"));
    expect(imported).toEqual({ table: "user_events", rowsImported: 3, format: "csv" });
    const analysis = await asAlice((svc) =>
      svc.analyzeUserBehavior("alice", "2024-05-01", "2024-05-31"),
    );
    expect(analysis.events).toEqual([
      { event_type: "open", count: 2, avg_duration: 15 },
      { event_type: "close", count: 1, avg_duration: null },
    ]);
    const owners = await asAlice((svc) =>
      svc.query("alice", "SELECT DISTINCT user_id FROM user_events"),
    );
    expect(owners.rows).toEqual([{ user_id: "alice" }]);
  });

  it("imports Parquet and JSON files", async () => {
    // A Parquet file written by the analytics service itself, into alice's bucket.
    await storage.duckdb
      .withToken(aliceToken)
      .exportToStorage(
        "user-alice-analytics",
        "SELECT 'export' AS event_type, DATE '2024-05-03' AS date, 1.5 AS duration, 2.0 AS value",
        "data",
        "in/events.parquet",
        { format: "parquet" },
      );
    expect(await asAlice((svc) => svc.importUserData("alice", "in/events.parquet"))).toMatchObject({
      rowsImported: 1,
      format: "parquet",
    });
    await asAlice((svc) =>
      svc.storeUserData(
        "alice",
        "in/events.json",
        '[{"event_type":"json","date":"2024-05-04","value":3}]',
      ),
    );
    expect(await asAlice((svc) => svc.importUserData("alice", "in/events.json"))).toMatchObject({
      rowsImported: 1,
      format: "json",
    });
  });

  it("generates a registered report type and stores it under reports/", async () => {
    const key = await asAlice((svc) =>
      svc.generateReport("alice", "weekly_values", { from: "2024-05-01" }),
    );
    expect(key).toBe("reports/weekly_values_2024-05-01.json");
    const report = await asAlice((svc) => svc.getReport("alice", key));
    expect(report).toMatchObject({
      report_type: "weekly_values",
      user_id: "alice",
      parameters: { from: "2024-05-01" },
      data: { total: 5, events: 5 },
    });
  });

  it("keeps users apart even with their calls interleaved", async () => {
    await asBob((svc) =>
      svc.storeUserData("bob@example.com", "in/events.csv", "event_type,date\nping,2024-05-01\n"),
    );
    await asBob((svc) => svc.importUserData("bob@example.com", "in/events.csv"));
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0
          ? asAlice((svc) => svc.query("alice", "SELECT count(*) AS n FROM user_events"))
          : asBob((svc) => svc.query("bob@example.com", "SELECT count(*) AS n FROM user_events")),
      ),
    );
    results.forEach((result, i) => {
      expect(result.rows[0]).toEqual({ n: i % 2 === 0 ? 5 : 1 });
    });
    const bobsFiles = await asBob((svc) => svc.listUserFiles("bob@example.com"));
    expect(bobsFiles.files.map((f) => f.key)).toEqual(["in/events.csv"]);
  });

  it("refuses a user id that is not the token's user with PERMISSION_DENIED, writing nothing", async () => {
    await expect(
      asAlice((svc) => svc.storeUserData("mallory", "in/forged.csv", "event_type,date\n")),
    ).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(
      asAlice((svc) => svc.generateReport("mallory", "daily_summary", { date: "2024-05-01" })),
    ).rejects.toBeInstanceOf(PermissionDeniedError);
    const calls: Array<(svc: DataService) => Promise<unknown>> = [
      (svc) => svc.listUserFiles("mallory"),
      (svc) => svc.openUserFile("mallory", "in/events.csv"),
      (svc) => svc.deleteUserFile("mallory", "in/events.csv"),
      (svc) => svc.importUserData("mallory", "in/events.csv"),
      (svc) => svc.analyzeUserBehavior("mallory", "2024-05-01", "2024-05-31"),
      (svc) => svc.getReport("mallory", "weekly_values_2024-05-01.json"),
      (svc) => svc.query("mallory", "SELECT 1"),
    ];
    for (const call of calls) {
      await expect(asAlice(call)).rejects.toBeInstanceOf(PermissionDeniedError);
    }
    // Alice's own bucket got neither the file nor a report naming another user.
    const keys = (await asAlice((svc) => svc.listUserFiles("alice"))).files.map((f) => f.key);
    expect(keys).not.toContain("in/forged.csv");
    expect(keys).not.toContain("reports/daily_summary_2024-05-01.json");
    // The same token still works for its own user after a refusal.
    expect(
      await asAlice((svc) => svc.getReport("alice", "weekly_values_2024-05-01.json")),
    ).toMatchObject({
      user_id: "alice",
    });
  });

  it("raises typed errors instead of returning false or empty values", async () => {
    await expect(
      asAlice((svc) => svc.analyzeUserBehavior("alice", "2024-13-01", "2024-12-31")),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(asAlice((svc) => svc.getReport("alice", "missing.json"))).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(asAlice((svc) => svc.query("alice", "DELETE FROM user_events"))).rejects.toThrow(
      /read-only/,
    );
    // The root DataService acts for nobody: it says to bind a caller, and sends nothing.
    await expect(data.listUserFiles("alice")).rejects.toThrow(/forCaller/);
  });
});

describe("StorageService", () => {
  // The guide's StorageService acting as one user, as a job with a fixed token would.
  const asAliceStorage = async (fn: (storage: StorageService) => Promise<void>) => {
    const own = new StorageService({
      minioAddress: stack.storage.address,
      duckdbAddress: stack.analytics.address,
      token: aliceToken,
    });
    try {
      await fn(own);
    } finally {
      own.close();
    }
  };

  it("offers the guide's operations", async () => {
    await asAliceStorage(async (storage) => {
      expect(await storage.uploadFile("data", "guide.txt", "Hello World", "alice")).toBe(true);
      expect((await storage.downloadFile("data", "guide.txt", "alice")).toString()).toBe(
        "Hello World",
      );
      const rows = await storage.analyzeData(
        "user-alice-analytics",
        "alice",
        "SELECT count(*) AS n FROM user_events WHERE event_type = $type",
        { type: "open" },
      );
      expect(rows).toEqual([{ n: 2n }]);
      const guide = await storage.analyzeData(
        "user-alice-analytics",
        undefined,
        "SELECT count(*) AS n FROM user_events WHERE event_type = 'open'",
      );
      expect(guide).toEqual([{ n: 2n }]);
    });
  });

  it("refuses analyzeData for a user id other than the token's with PERMISSION_DENIED", async () => {
    await asAliceStorage(async (storage) => {
      await expect(
        storage.analyzeData("user-alice-analytics", "mallory", "SELECT count(*) FROM user_events"),
      ).rejects.toBeInstanceOf(PermissionDeniedError);
      await expect(
        storage.analyzeData(
          "user-alice-analytics",
          "mallory",
          "SELECT count(*) AS n FROM user_events WHERE event_type = $type",
          { type: "open" },
        ),
      ).rejects.toBeInstanceOf(PermissionDeniedError);
    });
  });

  it("reports both services as serving, without a token", async () => {
    expect(await storage.health()).toEqual({
      storage: { status: "SERVING" },
      analytics: { status: "SERVING" },
    });
  });

  it("reports a service it cannot reach as unreachable", async () => {
    const nowhere = new StorageService({
      minioAddress: "127.0.0.1:1",
      duckdbAddress: "127.0.0.1:1",
    });
    try {
      const health = await nowhere.health();
      expect(health.storage.status).toBe("UNREACHABLE");
      expect(health.analytics.status).toBe("UNREACHABLE");
    } finally {
      nowhere.close();
    }
  });
});

describe("factories", () => {
  it("build one instance per process from the environment, until reset", async () => {
    const first = getDataService(stack.env);
    expect(getDataService()).toBe(first);
    expect(getStorageService()).toBe(first.storage);
    expect(await first.storage.health()).toMatchObject({ storage: { status: "SERVING" } });
    resetServices();
    expect(() => getDataService({ MINIO_GRPC_PORT: "x" })).toThrow(/MINIO_GRPC_PORT/);
    expect(getDataService(stack.env)).not.toBe(first);
  });
});
