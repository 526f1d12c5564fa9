import { MinIOServiceDefinition, serviceNames } from "@isa-cloud/proto";
import { createIsaClient, type IsaClient } from "@isa-cloud/rpc/client";
import { IsaError, ResourceExhaustedError, ServiceUnavailableError } from "@isa-cloud/rpc/wire";
import { Status } from "nice-grpc";
import { HealthDefinition } from "nice-grpc-server-health";
import { afterEach, describe, expect, it } from "vitest";
import { DEV_JWT_SECRET, signToken } from "../src/index.js";
import { type Fixture, secret, startFixture } from "./fixture.js";

const SERVING = 1;
const NOT_SERVING = 2;
const MiB = 1024 * 1024;

// grpc.reflection.v1 spoken with raw bytes: the test needs no protobuf runtime for it.
const identity = (b: Buffer) => b;
const ReflectionDefinition = {
  serverReflectionInfo: {
    path: "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
    requestStream: true,
    responseStream: true,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
} as const;
/** A length-delimited string field of a ServerReflectionRequest. */
const reflectionRequest = (field: number, value: string) =>
  Buffer.concat([Buffer.from([(field << 3) | 2, Buffer.byteLength(value)]), Buffer.from(value)]);

describe("grpc server scaffolding", () => {
  const fixtures: Fixture[] = [];
  const clients: Array<{ close(): void }> = [];
  const start = async (opts?: Parameters<typeof startFixture>[0]) => {
    const f = await startFixture(opts);
    fixtures.push(f);
    return f;
  };
  const minio = async (
    f: Fixture,
    options: Partial<Parameters<typeof createIsaClient>[1]> = {},
  ): Promise<IsaClient<typeof MinIOServiceDefinition>> => {
    const c = createIsaClient(MinIOServiceDefinition, {
      address: f.address,
      token: await signToken({ secret, sub: "alice" }),
      retry: false,
      ...options,
    });
    clients.push(c);
    return c;
  };
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const f of fixtures.splice(0)) await f.server.shutdown({ graceMs: 100 });
  });

  it("refuses to listen beyond loopback with the built-in dev secret, naming ISA_JWT_SECRET", async () => {
    for (const host of ["0.0.0.0", "::", "10.1.2.3"]) {
      await expect(startFixture({ host, auth: { hs256Secret: DEV_JWT_SECRET } })).rejects.toThrow(
        /refusing to listen on .*ISA_JWT_SECRET/,
      );
    }
  });

  it("listens on loopback with the built-in dev secret, and anywhere with a real secret", async () => {
    const local = await start({ auth: { hs256Secret: DEV_JWT_SECRET } });
    const token = await signToken({ secret: DEV_JWT_SECRET, sub: "alice" });
    const c = await minio(local, { token });
    expect((await c.listBuckets({})).buckets[0]?.ownerId).toBe("alice");
    const open = await start({ host: "0.0.0.0" });
    expect((await (await minio(open)).listBuckets({})).buckets[0]?.ownerId).toBe("alice");
  });

  it("serves grpc.health.v1 without a token: SERVING for the server and each service", async () => {
    const f = await start();
    const health = createIsaClient(HealthDefinition, { address: f.address });
    clients.push(health);
    expect((await health.check({ service: "" })).status).toBe(SERVING);
    expect((await health.check({ service: serviceNames.minio })).status).toBe(SERVING);
    const unknown = await health.check({ service: "no.Such" }).catch((e: unknown) => e);
    expect((unknown as IsaError).code).toBe(Status.NOT_FOUND);
  });

  it("reports NOT_SERVING after setServing(false) and SERVING again after setServing(true)", async () => {
    const f = await start();
    const health = createIsaClient(HealthDefinition, { address: f.address });
    clients.push(health);
    f.server.setServing(false);
    expect((await health.check({ service: "" })).status).toBe(NOT_SERVING);
    expect((await health.check({ service: serviceNames.minio })).status).toBe(NOT_SERVING);
    f.server.setServing(true);
    expect((await health.check({ service: serviceNames.minio })).status).toBe(SERVING);
  });

  it("serves reflection without a token: lists our service and returns its file", async () => {
    const f = await start();
    const reflection = createIsaClient(ReflectionDefinition, { address: f.address });
    clients.push(reflection);
    async function* requests() {
      yield reflectionRequest(7, "*"); // list_services
      yield reflectionRequest(4, serviceNames.minio); // file_containing_symbol
    }
    const responses: string[] = [];
    for await (const res of reflection.serverReflectionInfo(requests())) {
      responses.push(res.toString("latin1"));
    }
    expect(responses).toHaveLength(2);
    expect(responses[0]).toContain(serviceNames.minio);
    expect(responses[1]).toContain("isa/minio/minio_service.proto");
    expect(responses[1]).toContain("PutObjectMetadata");
  });

  it("enforces the default 8 MiB limit on received messages with RESOURCE_EXHAUSTED", async () => {
    const f = await start();
    const c = await minio(f, { maxMessageBytes: 16 * MiB });
    const upload = (size: number) =>
      c.putObject(
        (async function* () {
          yield {
            payload: {
              $case: "metadata" as const,
              value: {
                bucketName: "b",
                objectKey: "k",
                userId: "",
                contentType: "",
                contentLength: 0n,
                metadata: {},
                storageClass: "",
              },
            },
          };
          yield { payload: { $case: "chunkData" as const, value: new Uint8Array(size) } };
        })(),
      );
    expect((await upload(7 * MiB)).size).toBe(BigInt(7 * MiB));
    await expect(upload(9 * MiB)).rejects.toBeInstanceOf(ResourceExhaustedError);
  });

  it("enforces maxMessageBytes on sent messages with RESOURCE_EXHAUSTED", async () => {
    const f = await start({ maxMessageBytes: MiB });
    const c = await minio(f, { maxMessageBytes: 4 * MiB });
    const download = async (length: number) => {
      let bytes = 0;
      for await (const res of c.getObject({
        bucketName: "b",
        objectKey: "k",
        length: BigInt(length),
      })) {
        if (res.payload?.$case === "chunkData") bytes += res.payload.value.length;
      }
      return bytes;
    };
    expect(await download(MiB / 2)).toBe(MiB / 2);
    await expect(download(2 * MiB)).rejects.toBeInstanceOf(ResourceExhaustedError);
  });

  it("shuts down gracefully: an in-flight call finishes, a new one is refused", async () => {
    const f = await start();
    const c = await minio(f);
    const started = new Promise<void>((resolve) => {
      f.state.onSleepStarted = resolve;
    });
    const inFlight = c.listBuckets({ prefix: "sleep:300" });
    await started;
    const stopping = f.server.shutdown({ graceMs: 20_000 });
    const late = await c.listBuckets({}).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(ServiceUnavailableError);
    expect((await inFlight).success).toBe(true);
    await stopping;
    expect(f.state.calls.get("listBuckets")).toBe(1);
  });

  it("cancels calls still running when the grace period ends", async () => {
    const f = await start();
    const c = await minio(f);
    const started = new Promise<void>((resolve) => {
      f.state.onSleepStarted = resolve;
    });
    const stuck = c.listBuckets({ prefix: "sleep:60000" }).catch((e: unknown) => e);
    await started;
    await f.server.shutdown({ graceMs: 100 });
    const err = await stuck;
    expect(err).toBeInstanceOf(IsaError);
    expect((err as IsaError).code).toBe(Status.CANCELLED);
  });

  it("ends health Watch streams at shutdown instead of waiting for the grace period", async () => {
    const f = await start();
    const health = createIsaClient(HealthDefinition, { address: f.address });
    clients.push(health);
    const statuses: number[] = [];
    const watching = (async () => {
      for await (const res of health.watch({ service: "" })) statuses.push(res.status);
    })().catch((e: unknown) => e);
    while (statuses.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    // A grace period longer than the test timeout: only terminating the stream lets this end.
    await f.server.shutdown({ graceMs: 120_000 });
    await watching;
    expect(statuses[0]).toBe(SERVING);
  });
});
