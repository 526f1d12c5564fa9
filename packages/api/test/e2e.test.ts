import { createHash, randomBytes } from "node:crypto";
import { bearer, eventsCsv } from "@isa-cloud/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./test-app.js";

// Over a real socket: the stack's three servers on loopback, driven with fetch.
let stack: TestApp;
let url: string;
let alice: { authorization: string };
let bob: { authorization: string };

async function call(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<Response> {
  return fetch(`${url}/api/v1/data${path}`, {
    method,
    headers: body === undefined ? headers : { ...headers, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** What the API answered: the fields these tests read. */
interface Answer {
  events: Array<{ event_type: string; count: number; avg_duration: number | null }>;
  report_key: string;
  data: unknown[];
  files: Array<{ key: string }>;
  rows: unknown[];
  services: Record<string, { status: string }>;
  message: string;
}

async function read(res: Response): Promise<Answer> {
  return (await res.json()) as Answer;
}

/** Repeats `attempt` until it answers `status`, for a service that is coming back. */
async function eventually(attempt: () => Promise<Response>, status: number): Promise<Response> {
  const giveUp = Date.now() + 30_000;
  for (;;) {
    const res = await attempt();
    if (res.status === status || Date.now() > giveUp) return res;
    await res.arrayBuffer();
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

beforeAll(async () => {
  stack = await startTestApp();
  url = await stack.listen();
  alice = bearer(await stack.token("alice"));
  bob = bearer(await stack.token("bob"));
});

afterAll(async () => {
  await stack?.close();
});

describe("two users, upload to report", () => {
  const aliceCsv = eventsCsv([
    ["login", "2024-03-01", 5, 0],
    ["purchase", "2024-03-01", 60, 20],
    ["purchase", "2024-03-02", 40, 30],
  ]);
  const bobJson = `${[
    { event_type: "search", date: "2024-03-01", duration: 3, value: 1, user_id: "bob-phone" },
    { event_type: "search", date: "2024-03-01", duration: 5, value: 2, user_id: "bob-laptop" },
  ]
    .map((row) => JSON.stringify(row))
    .join("\n")}\n`;

  it("uploads, imports, analyzes, reports and downloads the report for each user", async () => {
    // The same file name for both users: each has their own.
    const up1 = await call("POST", "/upload", alice, {
      file_name: "events",
      data: Buffer.from(aliceCsv).toString("base64"),
    });
    expect(up1.status).toBe(201);
    const up2 = await fetch(`${url}/api/v1/data/files/events`, {
      method: "PUT",
      headers: { ...bob, "content-type": "application/x-ndjson" },
      body: bobJson,
    });
    expect(up2.status).toBe(201);

    const im1 = await call("POST", "/import", alice, { file_name: "events", format: "csv" });
    expect(await read(im1)).toMatchObject({ rows_imported: 3 });
    const im2 = await call("POST", "/import", bob, { file_name: "events", format: "json" });
    expect(await read(im2)).toMatchObject({ rows_imported: 2 });

    const an1 = await call("POST", "/analyze", alice, {
      start_date: "2024-03-01",
      end_date: "2024-03-31",
    });
    expect((await read(an1)).events).toEqual([
      { event_type: "purchase", count: 2, avg_duration: 50 },
      { event_type: "login", count: 1, avg_duration: 5 },
    ]);
    const an2 = await call("POST", "/analyze", bob, {
      start_date: "2024-03-01",
      end_date: "2024-03-01",
    });
    expect((await read(an2)).events).toEqual([{ event_type: "search", count: 2, avg_duration: 4 }]);

    const rep1 = await call("POST", "/report/user_activity", alice, {
      start_date: "2024-03-01",
      end_date: "2024-03-31",
    });
    const { report_key: key1 } = await read(rep1);
    expect(key1).toBe("reports/user_activity_2024-03-01_2024-03-31.json");
    const rep2 = await call("POST", "/report/user_activity", bob, {
      start_date: "2024-03-01",
      end_date: "2024-03-31",
    });
    const { report_key: key2 } = await read(rep2);
    expect(key2).toBe(key1);

    const dl1 = await call("GET", `/files/${key1}`, alice);
    expect(dl1.status).toBe(200);
    expect(dl1.headers.get("content-type")).toBe("application/json");
    expect(dl1.headers.get("content-disposition")).toContain(
      'filename="user_activity_2024-03-01_2024-03-31.json"',
    );
    const report1 = await read(dl1);
    expect(report1).toMatchObject({ report_type: "user_activity", user_id: "alice" });
    expect(report1.data).toEqual([
      { user_id: "alice", event_type: "purchase", count: 2 },
      { user_id: "alice", event_type: "login", count: 1 },
    ]);
    const report2 = await read(await call("GET", `/reports/${key2}`, bob));
    expect(report2.data).toEqual([
      { user_id: "bob-laptop", event_type: "search", count: 1 },
      { user_id: "bob-phone", event_type: "search", count: 1 },
    ]);
  });

  it("keeps each user's files and events out of the other's reach", async () => {
    await call("POST", "/upload", alice, {
      file_name: "private/diary.txt",
      data: Buffer.from("alice only").toString("base64"),
    });
    const bobsList = await read(await call("GET", "/files", bob));
    expect(bobsList.files.map((f) => f.key)).not.toContain("private/diary.txt");
    expect((await call("GET", "/files/private/diary.txt", bob)).status).toBe(404);
    expect((await call("DELETE", "/files/private/diary.txt", bob)).status).toBe(404);
    expect((await call("GET", "/files/private/diary.txt", alice)).status).toBe(200);
    // The guide's user_id parameter cannot be used to reach another user.
    expect((await call("GET", "/files?user_id=alice", bob)).status).toBe(403);
    const counts = await call("POST", "/query", bob, {
      sql: "SELECT count(*) AS n FROM user_events",
    });
    // count(*) is BIGINT: a string in JSON (the 64-bit rule).
    expect((await read(counts)).rows).toEqual([{ n: "2" }]);
  });
});

describe("large files", () => {
  it("streams an upload and a download of 24 MiB intact", async () => {
    const size = 24 * 1024 * 1024;
    const content = randomBytes(size);
    const digest = createHash("sha256").update(content).digest("hex");
    async function* body() {
      for (let offset = 0; offset < size; offset += 1024 * 1024) {
        yield content.subarray(offset, offset + 1024 * 1024);
      }
    }
    const put = await fetch(`${url}/api/v1/data/files/big/blob.bin`, {
      method: "PUT",
      headers: { ...alice, "content-type": "application/octet-stream" },
      body: body(),
      duplex: "half",
    } as RequestInit);
    expect(put.status).toBe(201);
    expect(await read(put)).toMatchObject({ key: "big/blob.bin", size });

    const get = await call("GET", "/files/big/blob.bin", alice);
    expect(get.headers.get("content-length")).toBe(String(size));
    const hash = createHash("sha256");
    for await (const chunk of get.body as AsyncIterable<Uint8Array>) hash.update(chunk);
    expect(hash.digest("hex")).toBe(digest);
  });
});

describe("an upload the client abandons", () => {
  it("leaves no file behind", async () => {
    const abort = new AbortController();
    let sent = 0;
    async function* body() {
      for (;;) {
        yield Buffer.alloc(256 * 1024);
        sent += 1;
        if (sent === 8) abort.abort();
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
    await expect(
      fetch(`${url}/api/v1/data/files/abandoned.bin`, {
        method: "PUT",
        headers: { ...alice, "content-type": "application/octet-stream" },
        body: body(),
        duplex: "half",
        signal: abort.signal,
      } as RequestInit),
    ).rejects.toThrow();
    // Give the server time to act on the closed connection before looking.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const listed = await call("GET", "/files?prefix=abandoned", alice);
    expect((await read(listed)).files).toEqual([]);
    const get = await call("GET", "/files/abandoned.bin", alice);
    expect(get.status).toBe(404);
  });
});

describe("a service that stops", () => {
  it("gives 503 with Retry-After while analytics is down, and recovers when it returns", async () => {
    const analyze = () =>
      call("POST", "/analyze", alice, { start_date: "2024-03-01", end_date: "2024-03-31" });
    expect((await analyze()).status).toBe(200);

    await stack.stopAnalytics();
    const down = await analyze();
    expect(down.status).toBe(503);
    expect(down.headers.get("retry-after")).toBe("5");
    expect(await read(down)).toMatchObject({
      code: "service_unavailable",
      message: expect.stringContaining("analytics service"),
    });
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect((await read(ready)).services).toMatchObject({
      storage: { status: "SERVING" },
      analytics: { status: "UNREACHABLE" },
    });

    await stack.startAnalytics();
    const back = await eventually(analyze, 200);
    expect(back.status).toBe(200);
    expect((await read(back)).events[0]).toEqual({
      event_type: "purchase",
      count: 2,
      avg_duration: 50,
    });
    expect((await eventually(() => fetch(`${url}/readyz`), 200)).status).toBe(200);
  });

  it("gives 503 while storage is down, and recovers when it returns", async () => {
    const list = () => call("GET", "/files", alice);
    expect((await list()).status).toBe(200);

    await stack.stopStorage();
    const down = await list();
    expect(down.status).toBe(503);
    expect(down.headers.get("retry-after")).toBe("5");
    expect((await read(down)).message).toContain("storage service");

    await stack.startStorage();
    const back = await eventually(list, 200);
    expect(back.status).toBe(200);
    expect((await read(back)).files.length).toBeGreaterThan(0);
  });
});
