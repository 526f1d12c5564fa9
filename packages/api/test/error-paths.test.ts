import { bearer } from "@isa-cloud/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./test-app.js";

// Bad input to every route, and every error it leads to: no answer may carry a server
// path or a stack frame, whatever the services put in their messages.
let stack: TestApp;
let auth: Record<string, string>;

const ABSOLUTE_PATH = /(^|[\s'"(=:])(\/(?!api\/)[\w.-]+\/[\w./-]+|[A-Za-z]:\\)/;
const STACK_FRAME = /\bat \S+ \(|\.(ts|js):\d+/;

beforeAll(async () => {
  stack = await startTestApp({ bodyLimit: 64 * 1024, maxUploadBytes: 100_000 });
  auth = bearer(await stack.token("erin"));
});

afterAll(async () => {
  await stack?.close();
});

type Case = [
  string,
  { method: string; url: string; payload?: unknown; headers?: Record<string, string> },
];
const json = { "content-type": "application/json" };
const data = "/api/v1/data";

const CASES: Case[] = [
  [
    "upload: not base64",
    { method: "POST", url: `${data}/upload`, payload: { file_name: "a", data: "@" } },
  ],
  [
    "upload: a bad name",
    { method: "POST", url: `${data}/upload`, payload: { file_name: "/etc/passwd", data: "aGk=" } },
  ],
  [
    "upload: wrong content type",
    {
      method: "POST",
      url: `${data}/upload`,
      payload: "x",
      headers: { "content-type": "text/plain" },
    },
  ],
  ["multipart: not a form", { method: "POST", url: `${data}/files`, payload: "{}", headers: json }],
  [
    "multipart: a bad prefix",
    { method: "POST", url: `${data}/files?prefix=../`, payload: "{}", headers: json },
  ],
  ["put: a bad name", { method: "PUT", url: `${data}/files/a%2F..%2Fb`, payload: "x" }],
  [
    "put: a failing If-Match",
    { method: "PUT", url: `${data}/files/x.txt`, payload: "x", headers: { "if-match": '"nope"' } },
  ],
  ["list: a bad token", { method: "GET", url: `${data}/files?continuation_token=%%%` }],
  ["list: a bad limit", { method: "GET", url: `${data}/files?limit=-1` }],
  ["get: a missing file", { method: "GET", url: `${data}/files/%2Fvar%2Flib%2Fsecret` }],
  [
    "get: a bad range",
    { method: "GET", url: `${data}/files/parquet.parquet`, headers: { range: "bytes=999999-" } },
  ],
  ["head: a missing file", { method: "HEAD", url: `${data}/files/missing` }],
  ["delete: a missing file", { method: "DELETE", url: `${data}/files/missing` }],
  [
    "import: a file that is not Parquet",
    { method: "POST", url: `${data}/import`, payload: { file_name: "parquet.parquet" } },
  ],
  [
    "import: a missing file",
    { method: "POST", url: `${data}/import`, payload: { file_name: "none.csv" } },
  ],
  [
    "import: a bad format",
    { method: "POST", url: `${data}/import`, payload: { file_name: "a.csv", format: "xls" } },
  ],
  [
    "analyze: a bad date",
    {
      method: "POST",
      url: `${data}/analyze`,
      payload: { start_date: "2024-13-01", end_date: "2024-01-01" },
    },
  ],
  ["report: an unknown type", { method: "POST", url: `${data}/report/nope`, payload: {} }],
  [
    "report: bad parameters",
    { method: "POST", url: `${data}/report/daily_summary`, payload: { date: 7 } },
  ],
  ["reports: a missing key", { method: "GET", url: `${data}/reports/%2Ftmp%2Fx.json` }],
  [
    "query: a file read",
    {
      method: "POST",
      url: `${data}/query`,
      payload: { sql: "SELECT * FROM read_csv('/etc/passwd')" },
    },
  ],
  [
    "query: a missing table",
    {
      method: "POST",
      url: `${data}/query`,
      payload: { sql: "SELECT * FROM '/var/lib/x.parquet'" },
    },
  ],
  ["query: bad SQL", { method: "POST", url: `${data}/query`, payload: { sql: "SELEC" } }],
  [
    "query: a write",
    { method: "POST", url: `${data}/query`, payload: { sql: "COPY user_events TO '/tmp/x.csv'" } },
  ],
  [
    "query: a bad Accept",
    {
      method: "POST",
      url: `${data}/query`,
      payload: { sql: "SELECT 1" },
      headers: { accept: "image/png" },
    },
  ],
  [
    "query: a bad max_rows",
    { method: "POST", url: `${data}/query`, payload: { sql: "SELECT 1", max_rows: -1 } },
  ],
  ["no route", { method: "GET", url: "/api/v1/data/nothing" }],
];

describe("error answers", () => {
  beforeAll(async () => {
    // A file named .parquet that is not Parquet: DuckDB's message names its staging path.
    await stack.app.inject({
      method: "PUT",
      url: `${data}/files/parquet.parquet`,
      headers: { ...auth, "content-type": "application/octet-stream" },
      payload: "not parquet at all",
    });
  });

  it.each(CASES)("%s: an error with no server path or stack frame", async (_name, request) => {
    const res = await stack.app.inject({
      method: request.method as "GET",
      url: request.url,
      headers: {
        ...auth,
        ...(request.payload && typeof request.payload === "object" ? json : {}),
        ...request.headers,
      },
      ...(request.payload === undefined ? {} : { payload: request.payload as string }),
    });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    if (request.method === "HEAD") return;
    const body = res.json() as { message: string; code: string };
    expect(body.code).toMatch(/^[a-z_]+$/);
    expect(body.message, body.message).not.toMatch(ABSOLUTE_PATH);
    expect(body.message).not.toMatch(STACK_FRAME);
  });
});
