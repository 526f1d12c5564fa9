import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, GetObjectCommand } from "@aws-sdk/client-s3";
import { ServerError, Status } from "nice-grpc";
import { pino } from "pino";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { S3StoreOptions } from "./options.js";
import { S3Store } from "./store.js";
import { putStreamed } from "./streamed-put.js";

const MiB = 1024 * 1024;
// S3's smallest part but the last (AWS refuses smaller ones on Complete; s3rver does not).
const PART = 5 * MiB;

/** `bytes` as a body of uneven chunks, failing with `error` after the last when given. */
async function* chunked(bytes: Buffer, sizes: number[], error?: Error) {
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length] as number;
    yield bytes.subarray(at, at + size);
    at += size;
  }
  if (error) throw error;
}

const md5 = (bytes: Uint8Array) => createHash("md5").update(bytes).digest("hex");

describe("putStreamed against s3rver", () => {
  let dir: string;
  let s3rver: S3rver;
  let options: S3StoreOptions;
  let store: S3Store;
  const target = (key: string) => ({
    Key: key,
    ContentType: "application/octet-stream",
    Metadata: { isa: "e30" },
  });
  const read = async (key: string) => {
    const out = await store.client.send(new GetObjectCommand({ Bucket: "parts", Key: key }));
    return Buffer.from(
      await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
  };

  /** The store's commands since the last call, by name: what went over the wire. */
  const sent: string[] = [];
  const commands = () => sent.splice(0).filter((name) => name !== "GetObjectCommand");

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "isa-streamed-put-"));
    s3rver = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: dir });
    const { port } = await s3rver.run();
    options = {
      endpoint: `http://127.0.0.1:${port}`,
      region: "us-east-1",
      accessKeyId: "S3RVER",
      secretAccessKey: "S3RVER",
      forcePathStyle: true,
      bucket: "parts",
    };
    store = new S3Store(options, pino({ level: "silent" }));
    await store.client.send(new CreateBucketCommand({ Bucket: "parts" }));
    store.client.middlewareStack.add(
      (next, context) => (args) => {
        sent.push(context.commandName ?? "");
        return next(args);
      },
      { step: "initialize" },
    );
  });
  afterAll(async () => {
    store?.client.destroy();
    await s3rver?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("sends a body of at most one part as one PutObject, whose ETag is the MD5", async () => {
    for (const [key, size] of [
      ["empty", 0],
      ["small", 1000],
      ["one-part", PART],
    ] as const) {
      const body = randomBytes(size);
      const put = await putStreamed(store, target(key), chunked(body, [333, MiB + 1]), PART);
      expect(put.size).toBe(size);
      expect(put.etag?.replaceAll('"', "")).toBe(md5(body));
      expect((await read(key)).equals(body)).toBe(true);
      expect(commands()).toEqual(["PutObjectCommand"]);
    }
  });

  it("cuts a longer body of uneven chunks into whole parts, the last one short", async () => {
    const body = randomBytes(2 * PART + 12345);
    const put = await putStreamed(
      store,
      target("three"),
      chunked(body, [MiB + 7, 4096, 3 * MiB]),
      PART,
    );
    expect(put.size).toBe(body.length);
    expect((await read("three")).equals(body)).toBe(true);
    expect(commands()).toEqual([
      "CreateMultipartUploadCommand",
      ...Array.from({ length: 3 }, () => "UploadPartCommand"),
      "CompleteMultipartUploadCommand",
    ]);
  });

  it("sends a body of exactly two parts as two parts, none empty", async () => {
    const body = randomBytes(2 * PART);
    const put = await putStreamed(store, target("two"), chunked(body, [MiB]), PART);
    expect(put.size).toBe(body.length);
    expect((await read("two")).equals(body)).toBe(true);
    expect(commands()).toEqual([
      "CreateMultipartUploadCommand",
      "UploadPartCommand",
      "UploadPartCommand",
      "CompleteMultipartUploadCommand",
    ]);
  });

  it("throws the body's own error and leaves the object that was there", async () => {
    await putStreamed(store, target("kept"), chunked(Buffer.from("original"), [8]), PART);
    sent.length = 0;
    const failure = new ServerError(Status.CANCELLED, "the client went away");
    for (const size of [1000, 3 * PART]) {
      await expect(
        putStreamed(store, target("kept"), chunked(randomBytes(size), [MiB], failure), PART),
      ).rejects.toBe(failure);
      expect((await read("kept")).toString()).toBe("original");
    }
    // The small body never reached the store; the large one's upload was aborted (s3rver
    // answers that with 405 and keeps the parts, which the backend logs; AWS drops them).
    expect(commands()).toEqual([
      "CreateMultipartUploadCommand",
      "UploadPartCommand",
      "UploadPartCommand",
      "AbortMultipartUploadCommand",
    ]);
  });

  it("maps an unreachable store for the caller, single PUT or multipart", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const refused = new S3Store({ ...options, endpoint: `http://127.0.0.1:${port}` }, store.logger);
    try {
      for (const size of [10, 2 * PART + 1]) {
        const err = await putStreamed(
          refused,
          target("refused"),
          chunked(randomBytes(size), [MiB]),
          PART,
        ).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ServerError);
        expect((err as ServerError).code).toBe(Status.UNAVAILABLE);
        expect((err as ServerError).details).toMatch(/unreachable \(ECONNREFUSED\)/);
      }
    } finally {
      refused.client.destroy();
    }
  });
});
