import { DataService, StorageService } from "@isa-cloud/data-service";
import { startTracing, type TracingHandle } from "@isa-cloud/rpc-server";
import { bearer, eventsCsv, startTestStack, type TestStack } from "@isa-cloud/testing";
import { SpanKind } from "@opentelemetry/api";
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.js";

// One real request, API -> data-service -> analytics -> storage, all in this process, its
// spans collected in memory.
const exporter = new InMemorySpanExporter();
const processor = new SimpleSpanProcessor({ exporter });
let tracing: TracingHandle | undefined;
let stack: TestStack;
let storage: StorageService;
let app: FastifyInstance;
let token: string;

beforeAll(async () => {
  tracing = await startTracing({ serviceName: "isa-test", spanProcessors: [processor] });
  stack = await startTestStack();
  storage = new StorageService({
    minioAddress: stack.storage.address,
    duckdbAddress: stack.analytics.address,
  });
  app = await buildApp({
    dataService: new DataService(storage),
    auth: { hs256Secret: stack.secret },
    rateLimit: false,
  });
  token = await stack.token("alice");
});

afterAll(async () => {
  await app?.close();
  storage?.close();
  await stack?.close();
  await tracing?.shutdown();
});

const name = (span: ReadableSpan) => `${SpanKind[span.kind]} ${span.name}`;

describe("one trace across the platform", () => {
  it("spans an import from the HTTP request through analytics into storage", async () => {
    const csv = eventsCsv([
      ["click", "2024-01-01", 2, 1],
      ["view", "2024-01-02", 30, 0],
    ]);
    const uploaded = await app.inject({
      method: "POST",
      url: "/api/v1/data/upload",
      headers: bearer(token),
      payload: { file_name: "events.csv", data: Buffer.from(csv).toString("base64") },
    });
    expect(uploaded.statusCode).toBe(201);
    await processor.forceFlush();
    exporter.reset();

    const imported = await app.inject({
      method: "POST",
      url: "/api/v1/data/import",
      headers: { ...bearer(token), "x-request-id": "trace-me" },
      payload: { file_name: "events.csv" },
    });
    expect(imported.statusCode).toBe(200);
    await processor.forceFlush();
    const spans = exporter.getFinishedSpans();

    // The HTTP request is the one root, and every span of the import is in its trace.
    const root = spans.find(
      (s) => s.kind === SpanKind.SERVER && s.attributes["http.route"] === "/api/v1/data/import",
    );
    expect(root, spans.map(name).join("\n")).toBeDefined();
    const trace = spans.filter((s) => s.spanContext().traceId === root!.spanContext().traceId);
    expect(trace.filter((s) => !s.parentSpanContext)).toEqual([root]);
    expect(root!.attributes["isa.request_id"]).toBe("trace-me");

    const byId = new Map(trace.map((s) => [s.spanContext().spanId, s]));
    const parentOf = (span: ReadableSpan) => byId.get(span.parentSpanContext?.spanId ?? "");
    const ancestors = (span: ReadableSpan) => {
      const chain: ReadableSpan[] = [];
      for (let p = parentOf(span); p; p = parentOf(p)) chain.push(p);
      return chain;
    };
    const find = (kind: SpanKind, spanName: string) =>
      trace.filter((s) => s.kind === kind && s.name === spanName);

    // API -> analytics: the client span under the request, the server span under it.
    const [importCall] = find(SpanKind.CLIENT, "isa.duckdb.DuckDBService/ImportFromMinIO");
    expect(importCall, trace.map(name).join("\n")).toBeDefined();
    expect(ancestors(importCall!)).toContain(root);
    const [importServed] = find(SpanKind.SERVER, "isa.duckdb.DuckDBService/ImportFromMinIO");
    expect(parentOf(importServed!)).toBe(importCall);
    expect(importServed!.attributes["enduser.id"]).toBe("alice");
    expect(importServed!.attributes["isa.database"]).toEqual(expect.any(String));

    // analytics -> storage: the file is read from storage within the analytics call.
    const storageServed = trace.filter(
      (s) => s.kind === SpanKind.SERVER && s.name.startsWith("isa.minio.MinIOService/"),
    );
    const readForImport = storageServed.filter((s) => ancestors(s).includes(importServed!));
    expect(readForImport.map((s) => s.name)).toContain("isa.minio.MinIOService/GetObject");
    for (const served of readForImport) {
      expect(parentOf(served)?.kind).toBe(SpanKind.CLIENT);
      expect(served.attributes["enduser.id"]).toBe("alice");
    }

    // No token and no SQL in any attribute.
    const attributes = JSON.stringify(trace.map((s) => s.attributes));
    expect(attributes).not.toContain(token);
    expect(attributes).not.toMatch(/SELECT|INSERT|read_csv/i);
  });
});
