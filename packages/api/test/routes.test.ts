import { Readable } from "node:stream";
import { bearer, eventsCsv, tokenSigner } from "@isa-cloud/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./test-app.js";

// Every route in-process through inject(): the socket is not what these tests are about.
let stack: TestApp;
let auth: { authorization: string };

const csv = eventsCsv([
  ["click", "2024-01-01", 2, 1],
  ["click", "2024-01-02", 4, 2],
  ["view", "2024-01-02", 30, 0],
]);

async function upload(fileName: string, content: string, headers = auth) {
  return stack.app.inject({
    method: "POST",
    url: "/api/v1/data/upload",
    headers,
    payload: { file_name: fileName, data: Buffer.from(content).toString("base64") },
  });
}

async function countEvents(): Promise<number> {
  const res = await stack.app.inject({
    method: "POST",
    url: "/api/v1/data/query",
    headers: auth,
    payload: { sql: "SELECT count(*) AS n FROM user_events" },
  });
  return Number(res.json().rows[0].n);
}

beforeAll(async () => {
  stack = await startTestApp({ bodyLimit: 64 * 1024, maxUploadBytes: 100_000 });
  auth = bearer(await stack.token("alice"));
});

afterAll(async () => {
  await stack?.close();
});

describe("health and docs", () => {
  it("answers /healthz without a token", async () => {
    const res = await stack.app.inject("/healthz");
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: "ok" });
  });

  it("is ready when both services serve", async () => {
    const res = await stack.app.inject("/readyz");
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      status: "ready",
      services: { storage: { status: "SERVING" }, analytics: { status: "SERVING" } },
    });
  });

  it("publishes an OpenAPI document covering every route, and the docs page", async () => {
    const spec = (await stack.app.inject("/docs/json")).json();
    expect(spec.openapi).toBe("3.1.0");
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/data/upload",
        "/api/v1/data/files/{path}",
        "/api/v1/data/files",
        "/api/v1/data/import",
        "/api/v1/data/analyze",
        "/api/v1/data/report/{report_type}",
        "/api/v1/data/reports/{key}",
        "/api/v1/data/query",
        "/healthz",
        "/readyz",
      ]),
    );
    const analyze = spec.paths["/api/v1/data/analyze"].post;
    expect(analyze.security).toEqual([{ bearer: [] }]);
    // Bodies are named component schemas.
    expect(analyze.requestBody.content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/AnalyzeRequest",
    });
    expect(spec.components.schemas.AnalyzeRequest.required).toEqual(["start_date", "end_date"]);
    expect(Object.keys(analyze.responses)).toEqual(
      expect.arrayContaining(["200", "400", "401", "503"]),
    );
    const report = spec.paths["/api/v1/data/report/{report_type}"].post;
    expect(report.requestBody.content["application/json"].schema.$ref).toBe(
      "#/components/schemas/ReportParameters",
    );
    const variants = spec.components.schemas.ReportParameters.oneOf;
    expect(variants.map((v: { title: string }) => v.title)).toEqual([
      "daily_summary",
      "user_activity",
    ]);
    expect(variants[0]).toMatchObject({ required: ["date"], additionalProperties: false });
    const upload = spec.paths["/api/v1/data/files/{path}"].put;
    expect(upload.requestBody.content["*/*"].schema).toEqual({ type: "string", format: "binary" });
    const page = await stack.app.inject("/docs/");
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toContain("text/html");
  });

  it("answers unknown routes with 404 in the error shape", async () => {
    const res = await stack.app.inject("/api/v2/nothing");
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ statusCode: 404, code: "not_found" });
  });
});

describe("authentication", () => {
  it("refuses a request without a token with 401", async () => {
    const res = await stack.app.inject({ method: "GET", url: "/api/v1/data/files" });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: "unauthenticated", error: "Unauthorized" });
  });

  it("refuses a token that is not a JWT, one signed with another secret, and an expired one", async () => {
    const forged = await tokenSigner("x".repeat(40))("alice");
    const expired = await stack.token("alice", { expiresIn: "-1m" });
    for (const token of ["not-a-jwt", forged, expired]) {
      const res = await stack.app.inject({ url: "/api/v1/data/files", headers: bearer(token) });
      expect(res.statusCode).toBe(401);
    }
  });

  it("refuses a user_id query parameter naming another user with 403", async () => {
    const res = await stack.app.inject({ url: "/api/v1/data/files?user_id=bob", headers: auth });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe("permission_denied");
    const own = await stack.app.inject({ url: "/api/v1/data/files?user_id=alice", headers: auth });
    expect(own.statusCode).toBe(200);
  });

  it("refuses a service-to-service (isa_system) token with 403, whatever the route", async () => {
    const system = bearer(await stack.token("alice", { system: true }));
    const list = await stack.app.inject({ url: "/api/v1/data/files", headers: system });
    expect(list.statusCode).toBe(403);
    expect(list.json()).toMatchObject({ code: "permission_denied" });
    expect(list.json().message).toContain("isa_system");
    const res = await upload("system.txt", "x", system);
    expect(res.statusCode).toBe(403);
    const stored = await stack.app.inject({ url: "/api/v1/data/files/system.txt", headers: auth });
    expect(stored.statusCode).toBe(404);
  });

  it("checks the token before reading a body", async () => {
    const res = await stack.app.inject({
      method: "POST",
      url: "/api/v1/data/upload",
      payload: { file_name: "x", data: "not base64!" },
    });
    expect(res.statusCode).toBe(401);
  });
});

describe("POST /upload", () => {
  it("stores a base64 file and answers 201", async () => {
    const res = await upload("events.csv", csv);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ status: "success", key: "events.csv", size: csv.length });
  });

  it.each([
    [{ file_name: "a.csv" }, "a missing data field"],
    [{ data: "aGk=" }, "a missing file_name"],
    [{ file_name: "a.csv", data: "@@@" }, "data that is not base64"],
    [{ file_name: "../a.csv", data: "aGk=" }, "a name with .."],
    [{ file_name: "/a.csv", data: "aGk=" }, "an absolute name"],
    [{ file_name: "", data: "aGk=" }, "an empty name"],
    [{ file_name: "a.csv", data: "aGk=", extra: 1 }, "an unknown field"],
    [{ file_name: 7, data: "aGk=" }, "a name that is not a string"],
  ])("answers 400 for %j (%s)", async (payload, _reason) => {
    const res = await stack.app.inject({
      method: "POST",
      url: "/api/v1/data/upload",
      headers: auth,
      payload,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe("invalid_argument");
  });

  it("answers 413 for a body above the limit", async () => {
    const res = await upload("big.bin", "x".repeat(100_000));
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe("payload_too_large");
  });

  it("answers 415 for a body that is not JSON", async () => {
    const res = await stack.app.inject({
      method: "POST",
      url: "/api/v1/data/upload",
      headers: { ...auth, "content-type": "text/plain" },
      payload: "hello",
    });
    expect(res.statusCode).toBe(415);
  });

  it("answers 400 for malformed JSON", async () => {
    const res = await stack.app.inject({
      method: "POST",
      url: "/api/v1/data/upload",
      headers: { ...auth, "content-type": "application/json" },
      payload: "{",
    });
    expect(res.statusCode).toBe(400);
  });
});

describe("PUT /files/{name}", () => {
  it("stores the raw body, whatever its content type, without parsing it", async () => {
    const res = await stack.app.inject({
      method: "PUT",
      url: "/api/v1/data/files/raw/notes.json",
      headers: { ...auth, "content-type": "application/json" },
      payload: "{ not json",
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ key: "raw/notes.json", size: 10 });
    const back = await stack.app.inject({
      url: "/api/v1/data/files/raw/notes.json",
      headers: auth,
    });
    expect(back.body).toBe("{ not json");
    expect(back.headers["content-type"]).toBe("application/json");
  });

  it("answers 400 for a name with an empty segment", async () => {
    const res = await stack.app.inject({
      method: "PUT",
      url: "/api/v1/data/files/a//b",
      headers: { ...auth, "content-type": "application/octet-stream" },
      payload: "x",
    });
    expect(res.statusCode).toBe(400);
  });

  it("answers 413 when Content-Length is above the limit, storing nothing", async () => {
    const res = await stack.app.inject({
      method: "PUT",
      url: "/api/v1/data/files/too-big.bin",
      headers: { ...auth, "content-type": "application/octet-stream" },
      payload: Buffer.alloc(100_001),
    });
    expect(res.statusCode).toBe(413);
    const stat = await stack.app.inject({ url: "/api/v1/data/files/too-big.bin", headers: auth });
    expect(stat.statusCode).toBe(404);
  });
});

describe("PUT /files/{name} without Content-Length", () => {
  it("answers 413 once the streamed body passes the limit, storing nothing", async () => {
    async function* chunks() {
      for (let i = 0; i < 20; i++) yield Buffer.alloc(10_000, i);
    }
    const res = await stack.app.inject({
      method: "PUT",
      url: "/api/v1/data/files/stream-too-big.bin",
      headers: { ...auth, "content-type": "application/octet-stream" },
      payload: Readable.from(chunks()),
    });
    expect(res.statusCode).toBe(413);
    const stat = await stack.app.inject({
      url: "/api/v1/data/files/stream-too-big.bin",
      headers: auth,
    });
    expect(stat.statusCode).toBe(404);
  });
});

describe("GET and DELETE /files", () => {
  it("lists the user's files", async () => {
    const res = await stack.app.inject({ url: "/api/v1/data/files?prefix=events", headers: auth });
    expect(res.statusCode).toBe(200);
    expect(res.json().files.map((f: { key: string }) => f.key)).toEqual(["events.csv"]);
    expect(res.json().files[0]).toMatchObject({ size: csv.length, etag: expect.any(String) });
  });

  it.each(["limit=0", "limit=1001", "limit=ten", "colour=red"])(
    "answers 400 for the query %s",
    async (query) => {
      const res = await stack.app.inject({ url: `/api/v1/data/files?${query}`, headers: auth });
      expect(res.statusCode).toBe(400);
    },
  );

  it("answers 404 for a file that does not exist, on download and delete", async () => {
    const get = await stack.app.inject({ url: "/api/v1/data/files/nope.csv", headers: auth });
    expect(get.statusCode).toBe(404);
    const del = await stack.app.inject({
      method: "DELETE",
      url: "/api/v1/data/files/nope.csv",
      headers: auth,
    });
    expect(del.statusCode).toBe(404);
  });

  it("deletes a file with 204", async () => {
    await upload("doomed.txt", "bye");
    const del = await stack.app.inject({
      method: "DELETE",
      url: "/api/v1/data/files/doomed.txt",
      headers: auth,
    });
    expect(del.statusCode).toBe(204);
    const get = await stack.app.inject({ url: "/api/v1/data/files/doomed.txt", headers: auth });
    expect(get.statusCode).toBe(404);
  });
});

describe("analytics before any import", () => {
  it("answers 404 for an analysis, a report and a query", async () => {
    const fresh = bearer(await stack.token("newcomer"));
    const analyze = await stack.app.inject({
      method: "POST",
      url: "/api/v1/data/analyze",
      headers: fresh,
      payload: { start_date: "2024-01-01", end_date: "2024-01-31" },
    });
    expect(analyze.statusCode).toBe(404);
    expect(analyze.json().message).toContain("import");
    const report = await stack.app.inject({
      method: "POST",
      url: "/api/v1/data/report/daily_summary",
      headers: fresh,
      payload: { date: "2024-01-01" },
    });
    expect(report.statusCode).toBe(404);
    const query = await stack.app.inject({
      method: "POST",
      url: "/api/v1/data/query",
      headers: fresh,
      payload: { sql: "SELECT 1" },
    });
    expect(query.statusCode).toBe(404);
  });
});

describe("POST /import", () => {
  it("imports a stored CSV into user_events", async () => {
    const res = await stack.app.inject({
      method: "POST",
      url: "/api/v1/data/import",
      headers: auth,
      payload: { file_name: "events.csv" },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      status: "success",
      table: "user_events",
      rows_imported: 3,
      format: "csv",
    });
  });

  it("answers 404 for a file that does not exist", async () => {
    const res = await stack.app.inject({
      method: "POST",
      url: "/api/v1/data/import",
      headers: auth,
      payload: { file_name: "missing.csv" },
    });
    expect(res.statusCode).toBe(404);
  });

  it.each([
    [{ file_name: "events.csv", format: "xlsx" }, "an unknown format"],
    [{ file_name: "notes.bin" }, "a name without a known extension"],
    [{}, "no file_name"],
  ])("answers 400 for %j (%s)", async (payload, _reason) => {
    const res = await stack.app.inject({
      method: "POST",
      url: "/api/v1/data/import",
      headers: auth,
      payload,
    });
    expect(res.statusCode).toBe(400);
  });

  it("answers 400 for a file without the required columns, adding nothing", async () => {
    const before = await countEvents();
    await upload("no-type.csv", "date,duration\n2024-01-01,3\n");
    const res = await stack.app.inject({
      method: "POST",
      url: "/api/v1/data/import",
      headers: auth,
      payload: { file_name: "no-type.csv" },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain("event_type");
    expect(await countEvents()).toBe(before);
  });

  it("answers 400 for a file with a bad value, adding none of its rows", async () => {
    const before = await countEvents();
    await upload("bad-date.csv", "event_type,date\nclick,2024-01-05\nclick,yesterday\n");
    const res = await stack.app.inject({
      method: "POST",
      url: "/api/v1/data/import",
      headers: auth,
      payload: { file_name: "bad-date.csv", format: "csv" },
    });
    expect(res.statusCode).toBe(400);
    expect(await countEvents()).toBe(before);
    const tables = await stack.app.inject({
      method: "POST",
      url: "/api/v1/data/query",
      headers: auth,
      payload: { sql: "SELECT table_name FROM information_schema.tables ORDER BY 1" },
    });
    expect(tables.json().rows).toEqual([{ table_name: "user_events" }]);
  });
});

describe("POST /analyze", () => {
  it("counts events and averages durations per type", async () => {
    const res = await stack.app.inject({
      method: "POST",
      url: "/api/v1/data/analyze",
      headers: auth,
      payload: { start_date: "2024-01-01", end_date: "2024-01-31" },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      user_id: "alice",
      period: "2024-01-01 to 2024-01-31",
      start_date: "2024-01-01",
      end_date: "2024-01-31",
      events: [
        { event_type: "click", count: 2, avg_duration: 3 },
        { event_type: "view", count: 1, avg_duration: 30 },
      ],
    });
  });

  it.each([
    [{ start_date: "2024-02-30", end_date: "2024-03-01" }, "an impossible date"],
    [{ start_date: "2024-03-01", end_date: "2024-02-01" }, "a range ending before it starts"],
    [{ start_date: "2024-01-01' OR '1'='1", end_date: "2024-01-31" }, "SQL in a date"],
    [{ start_date: "2024-01-01" }, "a missing end_date"],
    [{ start_date: 20240101, end_date: "2024-01-31" }, "a number for a date"],
  ])("answers 400 for %j (%s)", async (payload, _reason) => {
    const res = await stack.app.inject({
      method: "POST",
      url: "/api/v1/data/analyze",
      headers: auth,
      payload,
    });
    expect(res.statusCode).toBe(400);
  });
});

describe("POST /report/{type} and GET /reports/{key}", () => {
  it("stores a report and serves it back", async () => {
    const res = await stack.app.inject({
      method: "POST",
      url: "/api/v1/data/report/daily_summary",
      headers: auth,
      payload: { date: "2024-01-02" },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().report_key).toBe("reports/daily_summary_2024-01-02.json");
    const report = await stack.app.inject({
      url: "/api/v1/data/reports/daily_summary_2024-01-02.json",
      headers: auth,
    });
    expect(report.statusCode).toBe(200);
    expect(report.json()).toMatchObject({
      report_type: "daily_summary",
      user_id: "alice",
      parameters: { date: "2024-01-02" },
      data: [{ date: "2024-01-02", events: 2, total: 2 }],
    });
  });

  it("answers 404 for an unknown report type and a missing report", async () => {
    const unknown = await stack.app.inject({
      method: "POST",
      url: "/api/v1/data/report/monthly",
      headers: auth,
      payload: {},
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().message).toContain("daily_summary");
    const missing = await stack.app.inject({
      url: "/api/v1/data/reports/none.json",
      headers: auth,
    });
    expect(missing.statusCode).toBe(404);
  });

  it.each([
    ["daily_summary", {}, "a missing date"],
    ["daily_summary", { date: "15/01/2024" }, "a date in another format"],
    ["daily_summary", { date: "2024-01-15", extra: true }, "an unknown parameter"],
    ["user_activity", { start_date: "2024-02-01", end_date: "2024-01-01" }, "a reversed range"],
    ["Daily-Summary", { date: "2024-01-15" }, "a malformed type name"],
  ])("answers 400 for %s with %j (%s)", async (type, payload, _reason) => {
    const res = await stack.app.inject({
      method: "POST",
      url: `/api/v1/data/report/${type}`,
      headers: auth,
      payload,
    });
    expect(res.statusCode).toBe(400);
  });

  it("reads a missing body as no parameters", async () => {
    const res = await stack.app.inject({
      method: "POST",
      url: "/api/v1/data/report/daily_summary",
      headers: auth,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/^date is required for report "daily_summary"/);
  });

  it.each([
    ["daily_summary", { date: "15/01/2024" }, /^date must match format "date"/],
    ["daily_summary", { date: 20240115 }, /^date must be string/],
    ["daily_summary", { date: "2024-01-15", extra: true }, /^unknown parameter "extra"/],
    ["user_activity", { start_date: "2024-01-01" }, /^end_date is required/],
    ["user_activity", { date: "2024-01-01" }, /^unknown parameter "date"|is required/],
  ])(
    "checks %s's body against that type's schema, naming the bad field (%j)",
    async (type, payload, message) => {
      const res = await stack.app.inject({
        method: "POST",
        url: `/api/v1/data/report/${type}`,
        headers: auth,
        payload,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: "invalid_argument" });
      expect(res.json().message).toMatch(message);
    },
  );

  it("answers 404 for an unknown report type before judging its body", async () => {
    const res = await stack.app.inject({
      method: "POST",
      url: "/api/v1/data/report/monthly",
      headers: auth,
      payload: { anything: 1 },
    });
    expect(res.statusCode).toBe(404);
  });

  it("answers 400 for a report key with ..", async () => {
    const res = await stack.app.inject({
      url: "/api/v1/data/reports/..%2Fevents.csv",
      headers: auth,
    });
    expect(res.statusCode).toBe(400);
  });
});

describe("POST /query", () => {
  it("runs a SELECT with bound parameters", async () => {
    const res = await stack.app.inject({
      method: "POST",
      url: "/api/v1/data/query",
      headers: auth,
      payload: {
        sql: "SELECT event_type, count(*) AS n FROM user_events WHERE date >= CAST($since AS DATE) GROUP BY 1 ORDER BY 1",
        params: { since: "2024-01-02" },
      },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      columns: [
        { name: "event_type", type: "VARCHAR" },
        { name: "n", type: "BIGINT" },
      ],
      rows: [
        // BIGINT is a string in JSON, always (the 64-bit rule).
        { event_type: "click", n: "1" },
        { event_type: "view", n: "1" },
      ],
      row_count: 2,
      truncated: false,
    });
  });

  it("says when rows were cut at max_rows", async () => {
    const res = await stack.app.inject({
      method: "POST",
      url: "/api/v1/data/query",
      headers: auth,
      payload: { sql: "SELECT * FROM range(10)", max_rows: 3 },
    });
    expect(res.json()).toMatchObject({ row_count: 3, truncated: true });
  });

  // Anything but one read is 400; what the sandbox forbids on every route is 403, not
  // "not a read" (400).
  it.each([
    [400, "DROP TABLE user_events"],
    [400, "DELETE FROM user_events"],
    [400, "INSERT INTO user_events (event_type, date) VALUES ('x', '2024-01-01')"],
    [400, "CREATE TABLE t AS SELECT 1"],
    [400, "SELECT 1; DROP TABLE user_events"],
    [400, "SELECT 1; SELECT 2"],
    [400, "SELEC 1"],
    [400, "   "],
    [403, "ATTACH 'other.db'"],
    [403, "COPY user_events TO 'out.csv'"],
    [403, "SET threads = 1"],
  ])("answers %i for %j and changes nothing", async (status, sql) => {
    const before = await countEvents();
    const res = await stack.app.inject({
      method: "POST",
      url: "/api/v1/data/query",
      headers: auth,
      payload: { sql },
    });
    expect(res.statusCode).toBe(status);
    expect(await countEvents()).toBe(before);
  });

  it("runs a PRAGMA that only reads, as the analytics service classifies it", async () => {
    const res = await stack.app.inject({
      method: "POST",
      url: "/api/v1/data/query",
      headers: auth,
      payload: { sql: "PRAGMA version" },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().rows[0]).toHaveProperty("library_version");
  });

  it("answers 400 for a bad parameter name and for a wrong max_rows", async () => {
    const name = await stack.app.inject({
      method: "POST",
      url: "/api/v1/data/query",
      headers: auth,
      payload: { sql: "SELECT 1", params: { "bad name": 1 } },
    });
    expect(name.statusCode).toBe(400);
    const rows = await stack.app.inject({
      method: "POST",
      url: "/api/v1/data/query",
      headers: auth,
      payload: { sql: "SELECT 1", max_rows: 0 },
    });
    expect(rows.statusCode).toBe(400);
  });
});

describe("rate limiting", () => {
  it("answers 429 with Retry-After once a user is over the limit, counting each user apart", async () => {
    const { buildApp } = await import("../src/app.js");
    const limited = await buildApp({
      dataService: stack.data,
      auth: { hs256Secret: stack.secret },
      rateLimit: { max: 2, timeWindowMs: 60_000 },
      docs: false,
    });
    try {
      const get = (headers: Record<string, string>) =>
        limited.inject({ url: "/api/v1/data/files", headers });
      expect((await get(auth)).statusCode).toBe(200);
      expect((await get(auth)).statusCode).toBe(200);
      const third = await get(auth);
      expect(third.statusCode).toBe(429);
      expect(third.json().code).toBe("rate_limited");
      expect(Number(third.headers["retry-after"])).toBeGreaterThan(0);
      const other = bearer(await stack.token("bob"));
      expect((await get(other)).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
