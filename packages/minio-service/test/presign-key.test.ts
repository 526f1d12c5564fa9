import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MinIOServiceDefinition } from "@isa-cloud/proto";
import { signToken } from "@isa-cloud/rpc-server";
import { type Channel, type Client, createChannel, createClient, Metadata } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { minioConfigFromEnv, startMinioService } from "../src/index.js";
import { presignUrl, verifyPresigned } from "../src/presign.js";
import { createBucket, putRequests, SECRET } from "./harness.js";

describe("presigned URLs with the key derived from ISA_JWT_SECRET", () => {
  let dir: string;
  let service: Awaited<ReturnType<typeof startMinioService>>;
  let channel: Channel;
  let client: Client<typeof MinIOServiceDefinition>;
  let presignSecret: string;
  let options: { metadata: Metadata };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "isa-minio-presign-key-"));
    const config = minioConfigFromEnv({
      ISA_JWT_SECRET: SECRET,
      ISA_DATA_DIR: dir,
      MINIO_GRPC_PORT: "0",
      MINIO_HTTP_PORT: "0",
      LOG_LEVEL: "silent",
    });
    presignSecret = config.presignSecret;
    service = await startMinioService(config);
    channel = createChannel(`127.0.0.1:${service.port}`);
    client = createClient(MinIOServiceDefinition, channel);
    const token = await signToken({ secret: SECRET, sub: "alice" });
    options = { metadata: Metadata({ authorization: `Bearer ${token}` }) };
    await createBucket({ client }, options, "signed");
    await client.putObject(
      putRequests({ bucketName: "signed", objectKey: "k" }, Buffer.from("secret body")),
      options,
    );
  });

  afterAll(async () => {
    channel?.close();
    await service?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("serves the URL the service signed and refuses the same URL signed with the raw JWT secret with 403", async () => {
    const { url } = await client.getPresignedURL(
      { bucketName: "signed", objectKey: "k", userId: "", expirySeconds: 300, requestParams: {} },
      options,
    );
    const good = await fetch(url);
    expect(good.status).toBe(200);
    expect(await good.text()).toBe("secret body");

    const parsed = new URL(url);
    const check = verifyPresigned(
      "GET",
      parsed.pathname + parsed.search,
      presignSecret,
      Math.floor(Date.now() / 1000),
    );
    if (!check.ok) throw new Error(`the service's own URL does not verify: ${check.message}`);
    const forged = presignUrl(parsed.origin, SECRET, check.claims);
    expect(forged).not.toBe(url);
    const refused = await fetch(forged);
    expect(refused.status).toBe(403);
    await refused.body?.cancel();
  });
});
