import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { MinIOServiceDefinition, type minio } from "@isa-cloud/proto";
import { signToken } from "@isa-cloud/rpc-server";
import {
  type CallOptions,
  type Channel,
  type Client,
  ClientError,
  createChannel,
  createClient,
  Metadata,
  Status,
} from "nice-grpc";
import S3rver from "s3rver";
import { expect } from "vitest";
import { type MinioServiceConfig, startMinioService } from "../src/index.js";

export const SECRET = "integration-test-secret-0123456789abcdef";
export const MiB = 1024 * 1024;

export type BackendKind = "fs" | "s3";
export type MinioClient = Client<typeof MinIOServiceDefinition>;

/** A running service (and, for S3, the s3rver behind it) with a client on a fresh channel. */
export interface Harness {
  kind: BackendKind;
  client: MinioClient;
  port: number;
  httpPort: number;
  /** Temp dir of everything this harness wrote. */
  dir: string;
  /** fs: the objects root. */
  objectsRoot: string;
  /** s3: a client of s3rver's own S3 API, and the physical bucket. */
  store?: { client: S3Client; bucket: string };
  /** Call options carrying a token for `sub`. */
  as(sub: string, claims?: { org?: string; system?: boolean }): Promise<CallOptions>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(kind: BackendKind): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), `isa-minio-${kind}-`));
  const objectsRoot = join(dir, "objects");
  let s3rver: S3rver | undefined;
  let store: Harness["store"];
  let backend: MinioServiceConfig["backend"] = { kind: "fs", root: objectsRoot };
  if (kind === "s3") {
    s3rver = new S3rver({
      address: "127.0.0.1",
      port: 0,
      silent: true,
      directory: join(dir, "s3rver"),
    });
    const { port } = await s3rver.run();
    const endpoint = `http://127.0.0.1:${port}`;
    // s3rver knows one account: S3RVER / S3RVER.
    const credentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
    backend = {
      kind: "s3",
      endpoint,
      region: "us-east-1",
      forcePathStyle: true,
      bucket: "isa-test",
      ...credentials,
    };
    store = {
      client: new S3Client({
        endpoint,
        region: "us-east-1",
        forcePathStyle: true,
        credentials,
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
      }),
      bucket: "isa-test",
    };
  }
  const config: MinioServiceConfig = {
    host: "127.0.0.1",
    port: 0,
    httpPort: 0,
    backend,
    auth: { hs256Secret: SECRET },
    presignSecret: "presign-test-secret",
    maxMessageBytes: 8 * MiB,
    logLevel: process.env.TEST_LOG_LEVEL ?? "silent",
  };
  let service = await startMinioService(config);
  let channel: Channel = createChannel(`127.0.0.1:${service.port}`);
  const harness: Harness = {
    kind,
    client: createClient(MinIOServiceDefinition, channel),
    port: service.port,
    httpPort: service.httpPort,
    dir,
    objectsRoot,
    ...(store ? { store } : {}),
    async as(sub, claims = {}) {
      const token = await signToken({ secret: SECRET, sub, ...claims });
      return { metadata: Metadata({ authorization: `Bearer ${token}` }) };
    },
    async restart() {
      channel.close();
      await service.close();
      service = await startMinioService({
        ...config,
        port: harness.port,
        httpPort: harness.httpPort,
      });
      channel = createChannel(`127.0.0.1:${service.port}`);
      harness.client = createClient(MinIOServiceDefinition, channel);
    },
    async close() {
      channel.close();
      await service.close();
      store?.client.destroy();
      await s3rver?.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** Resolves to the gRPC status code a call failed with (fails the test if it succeeded). */
export async function codeOf(call: Promise<unknown> | (() => Promise<unknown>)): Promise<Status> {
  try {
    await (typeof call === "function" ? call() : call);
  } catch (err) {
    if (err instanceof ClientError) return err.code;
    throw err;
  }
  throw new Error("the call succeeded; expected it to fail");
}

/** Asserts a call fails with `status`; returns the error message for further checks. */
export async function expectStatus(
  call: Promise<unknown> | (() => Promise<unknown>),
  status: Status,
): Promise<string> {
  try {
    await (typeof call === "function" ? call() : call);
  } catch (err) {
    if (!(err instanceof ClientError)) throw err;
    expect({ code: err.code, details: err.details }).toMatchObject({
      code: status,
      details: expect.any(String),
    });
    expect(err.details).not.toMatch(/\n\s+at /); // never a stack trace
    return err.details;
  }
  throw new Error(`the call succeeded; expected status ${status}`);
}

/** Asserts that StatObject finds no object `objectKey` in the bucket. */
export async function expectNoObject(
  h: Harness,
  options: CallOptions,
  bucketName: string,
  objectKey: string,
): Promise<void> {
  await expectStatus(
    h.client.statObject({ bucketName, objectKey, userId: "", versionId: "" }, options),
    Status.NOT_FOUND,
  );
}

/** A PutObject request stream: metadata, then the body in `chunkSize` pieces. */
export async function* putRequests(
  metadata: Partial<minio.PutObjectMetadata> & { bucketName: string; objectKey: string },
  body: Uint8Array,
  chunkSize = MiB,
): AsyncGenerator<minio.PutObjectRequest> {
  yield {
    payload: {
      $case: "metadata",
      value: {
        userId: "",
        contentType: "",
        contentLength: 0n,
        metadata: {},
        storageClass: "",
        ...metadata,
      },
    },
  };
  for (let offset = 0; offset < body.length; offset += chunkSize) {
    yield { payload: { $case: "chunkData", value: body.subarray(offset, offset + chunkSize) } };
  }
}

export async function putObject(
  h: Harness,
  options: CallOptions,
  bucketName: string,
  objectKey: string,
  body: Uint8Array | string,
  extra: Partial<minio.PutObjectMetadata> = {},
): Promise<minio.PutObjectResponse> {
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  return h.client.putObject(putRequests({ bucketName, objectKey, ...extra }, bytes), options);
}

/** GetObject's messages split into its info and its bytes, and the size of every chunk. */
export async function getObject(
  h: Harness,
  options: CallOptions,
  request: Partial<minio.GetObjectRequest> & { bucketName: string; objectKey: string },
): Promise<{ info: minio.ObjectInfo; body: Buffer; chunkSizes: number[] }> {
  let info: minio.ObjectInfo | undefined;
  const chunks: Buffer[] = [];
  const stream = h.client.getObject(
    { userId: "", offset: 0n, length: 0n, versionId: "", ...request },
    options,
  );
  for await (const message of stream) {
    const payload = message.payload;
    if (payload?.$case === "metadata") {
      expect(info, "metadata comes once, first").toBeUndefined();
      info = payload.value;
    } else if (payload?.$case === "chunkData") {
      expect(info, "metadata comes before chunks").toBeDefined();
      chunks.push(Buffer.from(payload.value));
    }
  }
  if (!info) throw new Error("GetObject sent no metadata");
  return { info, body: Buffer.concat(chunks), chunkSizes: chunks.map((c) => c.length) };
}

export function md5(bytes: Uint8Array | string): string {
  return createHash("md5").update(bytes).digest("hex");
}

export function randomBody(size: number): Buffer {
  return randomBytes(size);
}

/** A ListObjects request: the first page of everything, but for `extra`. */
export function listRequest(
  bucketName: string,
  extra: Partial<minio.ListObjectsRequest> = {},
): minio.ListObjectsRequest {
  return {
    bucketName,
    userId: "",
    prefix: "",
    delimiter: "",
    maxKeys: 0,
    startAfter: "",
    continuationToken: "",
    recursive: false,
    ...extra,
  };
}

/** Every key of a bucket (following continuation tokens). */
export async function allKeys(
  h: Harness,
  options: CallOptions,
  bucketName: string,
): Promise<string[]> {
  const keys: string[] = [];
  let continuationToken = "";
  do {
    const page = await h.client.listObjects(
      listRequest(bucketName, { continuationToken, recursive: true }),
      options,
    );
    keys.push(...page.objects.map((o) => o.key));
    continuationToken = page.nextContinuationToken;
  } while (continuationToken);
  return keys;
}

/** CreateBucket with every field but the name empty, but for `extra`. */
export async function createBucket(
  h: { client: MinioClient },
  options: CallOptions,
  bucketName: string,
  extra: Partial<minio.CreateBucketRequest> = {},
): Promise<minio.CreateBucketResponse> {
  return h.client.createBucket(
    {
      bucketName,
      userId: "",
      organizationId: "",
      region: "",
      objectLocking: false,
      tags: {},
      ...extra,
    },
    options,
  );
}
