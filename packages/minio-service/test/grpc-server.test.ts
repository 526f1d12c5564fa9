import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MinIOServiceDefinition, type minio } from "@isa-cloud/proto";
import { signToken } from "@isa-cloud/rpc-server";
import { createChannel, createClient, Metadata, Status } from "nice-grpc";
import { HealthDefinition } from "nice-grpc-server-health";
import { ServerReflectionService } from "nice-grpc-server-reflection";
import { ServerReflectionRequest } from "nice-grpc-server-reflection/lib/proto/grpc/reflection/v1/reflection_pb.js";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { startMinioService } from "../src/index.js";
import {
  codeOf,
  createBucket,
  type Harness,
  MiB,
  putRequests,
  SECRET,
  startHarness,
} from "./harness.js";

describe("the gRPC server around the service", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness("fs");
  });
  afterAll(async () => {
    await h?.close();
  });

  it("answers grpc.health.v1 for the server and for isa.minio.MinIOService", async () => {
    const channel = createChannel(`127.0.0.1:${h.port}`);
    const health = createClient(HealthDefinition, channel);
    expect((await health.check({ service: "" })).status).toBe(1); // SERVING
    expect((await health.check({ service: "isa.minio.MinIOService" })).status).toBe(1);
    channel.close();
  });

  it("lists isa.minio.MinIOService through server reflection", async () => {
    const channel = createChannel(`127.0.0.1:${h.port}`);
    const reflection = createClient(ServerReflectionService, channel);
    async function* ask() {
      yield new ServerReflectionRequest().setListServices("*");
    }
    const names: string[] = [];
    for await (const response of reflection.serverReflectionInfo(ask())) {
      for (const service of response.getListServicesResponse()?.getServiceList() ?? [])
        names.push(service.getName());
    }
    expect(names).toContain("isa.minio.MinIOService");
    channel.close();
  });
});

describe("graceful shutdown", () => {
  it("lets a call in flight finish and refuses new ones", async () => {
    const dir = await mkdtemp(join(tmpdir(), "isa-minio-shutdown-"));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const service = await startMinioService({
      host: "127.0.0.1",
      port: 0,
      httpPort: 0,
      backend: { kind: "fs", root: join(dir, "objects") },
      auth: { hs256Secret: SECRET },
      presignSecret: "p",
      maxMessageBytes: 8 * MiB,
      logLevel: "silent",
    });
    const channel = createChannel(`127.0.0.1:${service.port}`);
    const client = createClient(MinIOServiceDefinition, channel);
    const token = await signToken({ secret: SECRET, sub: "alice" });
    const options = { metadata: Metadata({ authorization: `Bearer ${token}` }) };
    await createBucket({ client }, options, "late");
    let finish!: () => void;
    const gate = new Promise<void>((resolve) => {
      finish = resolve;
    });
    let started!: () => void;
    const inFlight = new Promise<void>((resolve) => {
      started = resolve;
    });
    // Over 64 KiB before the pause, so the filesystem backend is writing it to a temp file
    // (smaller bodies are taken whole first) and the test can see the call is inside.
    const firstHalf = Buffer.alloc(128 * 1024, "a");
    async function* slowUpload(): AsyncGenerator<minio.PutObjectRequest> {
      yield* putRequests({ bucketName: "late", objectKey: "slow" }, firstHalf);
      started();
      await gate;
      yield { payload: { $case: "chunkData", value: Buffer.from("second half") } };
    }
    const upload = client.putObject(slowUpload(), options);
    await inFlight;
    // The server is inside the call once its temp file exists.
    while ((await readdir(join(dir, "objects", ".tmp"))).length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const closing = service.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const otherChannel = createChannel(`127.0.0.1:${service.port}`);
    const refused = await codeOf(
      createClient(MinIOServiceDefinition, otherChannel).healthCheck({ detailed: false }),
    );
    expect(refused).toBe(Status.UNAVAILABLE);
    finish();
    expect(await upload).toMatchObject({
      success: true,
      size: BigInt(firstHalf.length + "second half".length),
    });
    await closing;
    channel.close();
    otherChannel.close();
  });
});

describe("the isa-minio-service bin", () => {
  const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url));

  it("starts from the environment and stops cleanly on SIGTERM", async () => {
    expect(existsSync(bin), "build the package first (pnpm build)").toBe(true);
    const dir = await mkdtemp(join(tmpdir(), "isa-minio-bin-"));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const child = spawn(process.execPath, [bin], {
      env: {
        ...process.env,
        ISA_DATA_DIR: dir,
        MINIO_GRPC_PORT: "0",
        MINIO_HTTP_PORT: "0",
        ISA_JWT_SECRET: SECRET,
        LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    onTestFinished(() => {
      if (child.exitCode === null) child.kill("SIGKILL");
    });
    let output = "";
    child.stdout.on("data", (data: Buffer) => {
      output += data.toString();
    });
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on("data", () => {
        const line = output.split("\n").find((l) => l.includes('"storage service started"'));
        if (line) resolve(JSON.parse(line).port);
      });
      child.once("exit", (code) => reject(new Error(`exited early with ${code}: ${output}`)));
    });
    const channel = createChannel(`127.0.0.1:${port}`);
    const res = await createClient(MinIOServiceDefinition, channel).healthCheck({ detailed: true });
    expect(res).toMatchObject({ healthy: true, status: "SERVING" });
    channel.close();
    child.kill("SIGTERM");
    const [code] = await once(child, "exit");
    expect(code).toBe(0);
    expect(output).toContain("storage service stopped");
  });

  it("exits with an error naming the variable when the environment is wrong", async () => {
    const child = spawn(process.execPath, [bin], {
      env: { ...process.env, MINIO_GRPC_PORT: "not-a-port" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (data: Buffer) => {
      stderr += data.toString();
    });
    const [code] = await once(child, "exit");
    expect(code).toBe(2);
    expect(stderr).toContain("MINIO_GRPC_PORT must be a port number");
  });
});
