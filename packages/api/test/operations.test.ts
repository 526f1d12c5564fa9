import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { DataService, StorageService } from "@isa-cloud/data-service";
import { createAccessLogger, flushAccessLogs } from "@isa-cloud/rpc-server";
import { bearer, eventsCsv, startTestStack, type TestStack } from "@isa-cloud/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.js";
import { operationsFromEnv } from "../src/index.js";

// The operations plugin over the real services: /metrics after real requests, request ids
// from the HTTP edge into the storage service's own access log, the API's access log.
let stack: TestStack;
let logDir: string;
let storage: StorageService;
let app: FastifyInstance;
let auth: { authorization: string };
const accessLines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  logDir = await mkdtemp(join(tmpdir(), "isa-api-operations-"));
  stack = await startTestStack({
    storage: { accessLog: { file: join(logDir, "storage-access.log") } },
  });
  storage = new StorageService({
    minioAddress: stack.storage.address,
    duckdbAddress: stack.analytics.address,
  });
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split("\n")) if (line) accessLines.push(JSON.parse(line));
      callback();
    },
  });
  app = await buildApp({
    dataService: new DataService(storage),
    auth: { hs256Secret: stack.secret },
    rateLimit: false,
    operations: { accessLog: createAccessLogger("isa-api", { stream }) },
  });
  auth = bearer(await stack.token("alice"));
});

afterAll(async () => {
  await app?.close();
  storage?.close();
  await stack?.close();
  await rm(logDir, { recursive: true, force: true });
});

const upload = (fileName: string, content: string, headers: Record<string, string> = {}) =>
  app.inject({
    method: "POST",
    url: "/api/v1/data/upload",
    headers: { ...auth, ...headers },
    payload: { file_name: fileName, data: Buffer.from(content).toString("base64") },
  });

/** The value of `name{labels}` in Prometheus text (labels matched as a subset), 0 when absent. */
function seriesValue(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const have = Object.fromEntries(
      [...(/\{(.*)\}/.exec(line)?.[1] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) {
      return Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return 0;
}

const scrape = async () => {
  const res = await app.inject({ method: "GET", url: "/metrics", remoteAddress: "10.1.2.3" });
  expect(res.statusCode).toBe(200);
  expect(res.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.body;
};

describe("/metrics of the API", () => {
  it("serves HTTP histograms by route and status, the API's gRPC client series and process metrics", async () => {
    const before = await scrape();
    expect((await upload("m.csv", eventsCsv([["click", "2024-01-01", 1, 1]]))).statusCode).toBe(
      201,
    );
    const listed = await app.inject({ method: "GET", url: "/api/v1/data/files", headers: auth });
    expect(listed.statusCode).toBe(200);
    expect((await app.inject({ method: "GET", url: "/api/v1/data/files" })).statusCode).toBe(401);
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) =>
      seriesValue(after, name, labels) - seriesValue(before, name, labels);
    const route = (method: string, url: string, status: string) => ({
      method,
      route: url,
      status_code: status,
    });
    expect(
      delta("http_request_duration_seconds_count", route("POST", "/api/v1/data/upload", "201")),
    ).toBe(1);
    expect(
      delta("http_request_duration_seconds_count", route("GET", "/api/v1/data/files", "200")),
    ).toBe(1);
    expect(
      delta("http_request_duration_seconds_count", route("GET", "/api/v1/data/files", "401")),
    ).toBe(1);
    expect(after).toMatch(/^http_request_duration_seconds_bucket\{/m);
    expect(
      delta("grpc_client_handled_total", {
        grpc_service: "isa.minio.MinIOService",
        grpc_method: "PutObject",
        grpc_code: "OK",
      }),
    ).toBe(1);
    expect(seriesValue(after, "process_resident_memory_bytes")).toBeGreaterThan(0);
    // Scrapes are not requests of the API's users.
    expect(after).not.toMatch(/route="\/metrics"/);
  });

  it("needs no token but answers only the allow-list (loopback and private ranges by default)", async () => {
    const outside = await app.inject({ method: "GET", url: "/metrics", remoteAddress: "8.8.8.8" });
    expect(outside.statusCode).toBe(403);
    expect(outside.json().message).toMatch(/API_METRICS_ALLOW/);
    for (const remoteAddress of ["127.0.0.1", "::1", "::ffff:192.168.1.9"]) {
      expect((await app.inject({ method: "GET", url: "/metrics", remoteAddress })).statusCode).toBe(
        200,
      );
    }
  });

  it("reads API_METRICS and API_METRICS_ALLOW, and names a bad entry", () => {
    expect(operationsFromEnv({ API_METRICS: "false" }).metrics).toBe(false);
    const only =
      operationsFromEnv({ API_METRICS_ALLOW: "203.0.113.7, 2001:db8::/32" }).metrics || {};
    expect(only?.allow?.("203.0.113.7")).toBe(true);
    expect(only?.allow?.("2001:db8::1")).toBe(true);
    expect(only?.allow?.("127.0.0.1")).toBe(false);
    expect(() => operationsFromEnv({ API_METRICS_ALLOW: "10.0.0.0/40" })).toThrow(
      /API_METRICS_ALLOW/,
    );
  });
});

describe("request ids and the access log", () => {
  it("returns the caller's x-request-id, logs it, and passes it to the services' calls", async () => {
    accessLines.length = 0;
    const res = await upload("rid.txt", "hello", { "x-request-id": "edge-1234" });
    expect(res.statusCode).toBe(201);
    expect(res.headers["x-request-id"]).toBe("edge-1234");
    expect(accessLines).toContainEqual(
      expect.objectContaining({
        kind: "access",
        msg: "http request",
        method: "POST",
        route: "/api/v1/data/upload",
        status: 201,
        user: "alice",
        requestId: "edge-1234",
      }),
    );
    const line = accessLines.find((l) => l.requestId === "edge-1234");
    expect(line?.ms).toEqual(expect.any(Number));
    expect(line?.bytesIn).toBeGreaterThan(0);
    flushAccessLogs();
    const storageLines = (await readFile(join(logDir, "storage-access.log"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(storageLines).toContainEqual(
      expect.objectContaining({
        method: "/isa.minio.MinIOService/PutObject",
        requestId: "edge-1234",
        user: "alice",
        code: "OK",
      }),
    );
  });

  it("makes up an id when the caller sends none or a bad one", async () => {
    const none = await app.inject({ method: "GET", url: "/healthz" });
    expect(none.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    const bad = await app.inject({
      method: "GET",
      url: "/healthz",
      headers: { "x-request-id": "x".repeat(300) },
    });
    expect(bad.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("writes no line for probes and scrapes", async () => {
    accessLines.length = 0;
    await app.inject({ method: "GET", url: "/healthz" });
    await app.inject({ method: "GET", url: "/metrics", remoteAddress: "127.0.0.1" });
    expect(accessLines).toEqual([]);
  });
});
