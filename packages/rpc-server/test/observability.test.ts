import { Writable } from "node:stream";
import { MinIOServiceDefinition } from "@isa-cloud/proto";
import { createIsaClient } from "@isa-cloud/rpc/client";
import { withRequestId } from "@isa-cloud/rpc/wire";
import { Metadata } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createAccessLogger,
  ensureContextManager,
  grpcMetrics,
  type MetricsServerHandle,
  processMetrics,
  signToken,
  startMetricsServer,
} from "../src/index.js";
import { type Fixture, secret, startFixture } from "./fixture.js";

const accessLines: Array<Record<string, unknown>> = [];
let fixture: Fixture;
let metrics: MetricsServerHandle;
let storage: ReturnType<typeof createIsaClient<typeof MinIOServiceDefinition>>;
let serving = true;

beforeAll(async () => {
  ensureContextManager();
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split("\n")) if (line) accessLines.push(JSON.parse(line));
      callback();
    },
  });
  fixture = await startFixture({
    server: { accessLog: createAccessLogger("storage-test", { stream: destination }) },
  });
  metrics = await startMetricsServer({
    host: "127.0.0.1",
    port: 0,
    sources: [processMetrics(), grpcMetrics],
    ready: () => serving,
  });
  storage = createIsaClient(MinIOServiceDefinition, {
    address: fixture.address,
    token: await signToken({ secret, sub: "alice", org: "acme" }),
    retry: false,
  });
});

afterAll(async () => {
  storage?.close();
  await metrics?.close();
  await fixture?.server.shutdown({ graceMs: 0 });
});

async function scrape(): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${metrics.port}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

/** The value of the series `name{labels...}` (labels matched as a subset), 0 when absent. */
function seriesValue(text: string, name: string, labels: Record<string, string>): number {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const body = /\{(.*)\}/.exec(line)?.[1] ?? "";
    const have = Object.fromEntries(
      [...body.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]] as const),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) {
      return Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return 0;
}

const listBuckets = { grpc_service: "isa.minio.MinIOService", grpc_method: "ListBuckets" };

describe("metrics of a gRPC server and its clients", () => {
  it("counts handled calls by service, method and code on both sides, with histograms", async () => {
    const before = await scrape();
    await storage.listBuckets({});
    await storage.listBuckets({});
    await expect(storage.listBuckets({ prefix: "fail:NOT_FOUND" })).rejects.toThrow();
    await expect(storage.listBuckets({ prefix: "crash" })).rejects.toThrow();
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) =>
      seriesValue(after, name, labels) - seriesValue(before, name, labels);

    expect(delta("grpc_server_handled_total", { ...listBuckets, grpc_code: "OK" })).toBe(2);
    expect(delta("grpc_server_handled_total", { ...listBuckets, grpc_code: "NOT_FOUND" })).toBe(1);
    // The error middleware runs inside the metrics: a crash is counted as the INTERNAL the
    // client gets, not as UNKNOWN.
    expect(delta("grpc_server_handled_total", { ...listBuckets, grpc_code: "INTERNAL" })).toBe(1);
    expect(delta("grpc_client_handled_total", { ...listBuckets, grpc_code: "OK" })).toBe(2);
    expect(delta("grpc_server_handling_seconds_count", { ...listBuckets, grpc_code: "OK" })).toBe(
      2,
    );
    expect(after).toMatch(/^grpc_client_handling_seconds_bucket\{/m);
    // prom-client's process metrics are served beside them.
    expect(seriesValue(after, "process_resident_memory_bytes", {})).toBeGreaterThan(0);
    expect(after).toMatch(/^nodejs_eventloop_lag_seconds /m);
  });

  it("answers /healthz, and /readyz as the service says", async () => {
    const base = `http://127.0.0.1:${metrics.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    serving = false;
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    serving = true;
    expect((await fetch(`${base}/nothing`)).status).toBe(404);
  });
});

describe("access log and request ids", () => {
  it("writes one line per call with method, code, user, duration and the request id", async () => {
    accessLines.length = 0;
    let header: string | undefined;
    await withRequestId("req-from-the-api", () =>
      storage.listBuckets(
        {},
        { onHeader: (metadata: Metadata) => (header = metadata.get("x-request-id")) },
      ),
    );
    expect(header).toBe("req-from-the-api");
    const line = accessLines.find((l) => l.method === "/isa.minio.MinIOService/ListBuckets");
    expect(line).toMatchObject({
      kind: "access",
      name: "storage-test",
      msg: "grpc call",
      code: "OK",
      user: "alice",
      org: "acme",
      requestId: "req-from-the-api",
    });
    expect(line?.ms).toEqual(expect.any(Number));
    expect(line).not.toHaveProperty("token");
  });

  it("logs refused calls with their code, and makes up an id for a caller without a sane one", async () => {
    accessLines.length = 0;
    const anonymous = createIsaClient(MinIOServiceDefinition, {
      address: fixture.address,
      retry: false,
    });
    try {
      await expect(
        anonymous.listBuckets({}, { metadata: Metadata({ "x-request-id": "x".repeat(500) }) }),
      ).rejects.toThrow();
    } finally {
      anonymous.close();
    }
    const [line] = accessLines;
    expect(line).toMatchObject({ code: "UNAUTHENTICATED" });
    expect(line).not.toHaveProperty("user");
    expect(line?.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("counts the binary payload of a client stream", async () => {
    accessLines.length = 0;
    await storage.putObject(
      (async function* () {
        yield { payload: { $case: "metadata", value: { bucketName: "b", objectKey: "k" } } };
        yield { payload: { $case: "chunkData", value: new Uint8Array(1000) } };
        yield { payload: { $case: "chunkData", value: new Uint8Array(24) } };
      })() as never,
    );
    expect(accessLines[0]).toMatchObject({
      method: "/isa.minio.MinIOService/PutObject",
      code: "OK",
      messagesIn: 3,
      bytesIn: 1024,
    });
  });

  it("writes no line for health probes", async () => {
    accessLines.length = 0;
    const { HealthDefinition } = await import("nice-grpc-server-health");
    const health = createIsaClient(HealthDefinition, { address: fixture.address });
    try {
      await health.check({ service: "" });
    } finally {
      health.close();
    }
    expect(accessLines).toEqual([]);
  });
});
