import { Writable } from "node:stream";
import { MinIOServiceDefinition } from "@isa-cloud/proto";
import { createIsaClient } from "@isa-cloud/rpc/client";
import { SpanKind, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createAccessLogger,
  signToken,
  startTracing,
  type TracingHandle,
  tracingConfigured,
} from "../src/index.js";
import { type Fixture, secret, startFixture } from "./fixture.js";

const exporter = new InMemorySpanExporter();
const processor = new SimpleSpanProcessor({ exporter });
const accessLines: Array<Record<string, unknown>> = [];
let tracing: TracingHandle | undefined;
let fixture: Fixture;

beforeAll(async () => {
  tracing = await startTracing({
    serviceName: "rpc-test",
    spanProcessors: [processor],
  });
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split("\n")) if (line) accessLines.push(JSON.parse(line));
      callback();
    },
  });
  fixture = await startFixture({ server: { accessLog: createAccessLogger("t", { stream }) } });
});

afterAll(async () => {
  await fixture?.server.shutdown({ graceMs: 0 });
  await tracing?.shutdown();
});

describe("tracing", () => {
  it("is off unless the OTEL_* variables ask for it", () => {
    expect(tracingConfigured({})).toBe(false);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" })).toBe(true);
    expect(tracingConfigured({ OTEL_TRACES_EXPORTER: "console" })).toBe(true);
    expect(tracingConfigured({ OTEL_TRACES_EXPORTER: "none" })).toBe(false);
    expect(
      tracingConfigured({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318",
        OTEL_SDK_DISABLED: "true",
      }),
    ).toBe(false);
  });

  it("puts the client span and the server span of a call in the caller's trace", async () => {
    const storage = createIsaClient(MinIOServiceDefinition, {
      address: fixture.address,
      token: await signToken({ secret, sub: "alice" }),
    });
    const tracer = trace.getTracer("test");
    try {
      await tracer.startActiveSpan("request", async (parent) => {
        await storage.listBuckets({});
        parent.end();
      });
    } finally {
      storage.close();
    }
    await processor.forceFlush();
    const spans = exporter.getFinishedSpans();
    const parent = spans.find((s) => s.name === "request")!;
    const client = spans.find((s) => s.kind === SpanKind.CLIENT)!;
    const server = spans.find((s) => s.kind === SpanKind.SERVER)!;
    expect(client.name).toBe("isa.minio.MinIOService/ListBuckets");
    expect(server.name).toBe("isa.minio.MinIOService/ListBuckets");
    const traceId = parent.spanContext().traceId;
    expect(client.spanContext().traceId).toBe(traceId);
    expect(server.spanContext().traceId).toBe(traceId);
    expect(client.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(server.parentSpanContext?.spanId).toBe(client.spanContext().spanId);
    expect(server.attributes["enduser.id"]).toBe("alice");
    expect(server.attributes["rpc.grpc.status_code"]).toBe(0);
    expect(JSON.stringify(server.attributes)).not.toContain("Bearer");
    // The access-log line names the trace.
    expect(
      accessLines.find((l) => l.method === "/isa.minio.MinIOService/ListBuckets"),
    ).toMatchObject({ traceId });
  });
});
