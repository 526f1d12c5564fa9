import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MinIOServiceDefinition } from "@isa-cloud/proto";
import { flushAccessLogs, signToken } from "@isa-cloud/rpc-server";
import { type Channel, type Client, createChannel, createClient, Metadata } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { minioConfigFromEnv, startMinioService } from "../src/index.js";
import { createBucket, getObject, putObject, SECRET } from "./harness.js";

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

describe("the storage service's /metrics and access log", () => {
  let dir: string;
  let service: Awaited<ReturnType<typeof startMinioService>>;
  let channel: Channel;
  let client: Client<typeof MinIOServiceDefinition>;
  let options: { metadata: Metadata };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "isa-minio-metrics-"));
    service = await startMinioService(
      minioConfigFromEnv({
        ISA_JWT_SECRET: SECRET,
        ISA_DATA_DIR: dir,
        MINIO_GRPC_PORT: "0",
        MINIO_HTTP_PORT: "0",
        ISA_ACCESS_LOG: join(dir, "logs", "access.log"),
        LOG_LEVEL: "silent",
      }),
    );
    channel = createChannel(`127.0.0.1:${service.port}`);
    client = createClient(MinIOServiceDefinition, channel);
    const token = await signToken({ secret: SECRET, sub: "alice" });
    options = { metadata: Metadata({ authorization: `Bearer ${token}`, "x-request-id": "r-42" }) };
  });

  afterAll(async () => {
    channel?.close();
    await service?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const scrape = async () => {
    const res = await fetch(`http://127.0.0.1:${service.metricsPort}/metrics`);
    expect(res.status).toBe(200);
    return res.text();
  };

  it("listens on a port of its own, any free one when the gRPC port is 0", () => {
    expect(service.metricsPort).toBeGreaterThan(0);
    expect(service.metricsPort).not.toBe(9091);
  });

  it("counts the calls, bytes stored and served, and objects after real calls", async () => {
    const before = await scrape();
    await createBucket({ client } as never, options, "metered");
    const body = Buffer.alloc(300_000, 7);
    await putObject({ client } as never, options, "metered", "a.bin", body);
    await putObject({ client } as never, options, "metered", "b.bin", Buffer.from("hello"));
    const read = await getObject({ client } as never, options, {
      bucketName: "metered",
      objectKey: "a.bin",
    });
    expect(read.body.length).toBe(300_000);
    await client.deleteObject({ bucketName: "metered", objectKey: "b.bin" }, options);
    await expect(
      client.statObject({ bucketName: "metered", objectKey: "b.bin" }, options),
    ).rejects.toThrow();
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) =>
      seriesValue(after, name, labels) - seriesValue(before, name, labels);

    const rpc = (method: string, code: string) => ({
      grpc_service: "isa.minio.MinIOService",
      grpc_method: method,
      grpc_code: code,
    });
    expect(delta("grpc_server_handled_total", rpc("PutObject", "OK"))).toBe(2);
    expect(delta("grpc_server_handled_total", rpc("GetObject", "OK"))).toBe(1);
    expect(delta("grpc_server_handled_total", rpc("StatObject", "NOT_FOUND"))).toBe(1);
    expect(delta("grpc_server_handling_seconds_count", rpc("PutObject", "OK"))).toBe(2);
    expect(delta("isa_storage_bytes_stored_total", { backend: "fs" })).toBe(300_005);
    expect(delta("isa_storage_bytes_served_total", { backend: "fs" })).toBe(300_000);
    expect(delta("isa_storage_objects_stored_total", { backend: "fs", op: "put" })).toBe(2);
    expect(delta("isa_storage_objects_deleted_total", { backend: "fs" })).toBe(1);
    expect(
      delta("isa_storage_backend_seconds_count", { backend: "fs", op: "putObject", outcome: "ok" }),
    ).toBe(2);
    expect(seriesValue(after, "process_resident_memory_bytes")).toBeGreaterThan(0);
  });

  it("answers /healthz and /readyz on the same port", async () => {
    const base = `http://127.0.0.1:${service.metricsPort}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });

  it("writes one access-log line per call to ISA_ACCESS_LOG, with user, code and request id", async () => {
    flushAccessLogs();
    const lines = (await readFile(join(dir, "logs", "access.log"), "utf8"))
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const put = lines.find((l) => l.method === "/isa.minio.MinIOService/PutObject");
    expect(put).toMatchObject({
      kind: "access",
      name: "isa-minio-service",
      code: "OK",
      user: "alice",
      requestId: "r-42",
    });
    expect(put?.bytesIn).toBeGreaterThanOrEqual(5);
    const stat = lines.find((l) => l.method === "/isa.minio.MinIOService/StatObject");
    expect(stat).toMatchObject({ code: "NOT_FOUND", bucket: "metered" });
    const get = lines.find((l) => l.method === "/isa.minio.MinIOService/GetObject");
    expect(get?.bytesOut).toBe(300_000);
  });
});
