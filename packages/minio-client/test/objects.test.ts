import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { isAbortError } from "abort-controller-x";
import { Status } from "nice-grpc-common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  InvalidArgumentError,
  type MinioClient,
  NotFoundError,
  type ObjectInfo,
  PermissionDeniedError,
  type Progress,
} from "../src/index.js";
import { all, rejectionOf, type Storage, startStorage } from "./storage.js";

const MiB = 1024 * 1024;
const md5 = (data: Uint8Array) => createHash("md5").update(data).digest("hex");

let storage: Storage;
let client: MinioClient;
let dir: string;

beforeAll(async () => {
  storage = await startStorage();
  client = await storage.client("carol");
  await client.createBucket("objects");
  dir = await mkdtemp(join(tmpdir(), "minio-client-files-"));
});

afterAll(async () => {
  await storage?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("putObject", () => {
  const content = randomBytes(3 * MiB + 123);

  const bodies: Array<[string, () => Parameters<MinioClient["putObject"]>[2]]> = [
    ["a Buffer", () => content],
    ["a Uint8Array", () => new Uint8Array(content)],
    ["a Node Readable", () => Readable.from([content.subarray(0, 1000), content.subarray(1000)])],
    [
      "a web ReadableStream",
      () =>
        new ReadableStream<Uint8Array>({
          start(controller) {
            for (let at = 0; at < content.length; at += 64 * 1024) {
              controller.enqueue(content.subarray(at, at + 64 * 1024));
            }
            controller.close();
          },
        }),
    ],
    [
      "an async iterable",
      () =>
        (async function* () {
          yield content.subarray(0, 10);
          yield content.subarray(10);
        })(),
    ],
  ];

  for (const [kind, body] of bodies) {
    it(`uploads ${kind} that reads back byte for byte`, async () => {
      const key = `bodies/${kind.replaceAll(" ", "-")}`;
      const result = await client.putObject("objects", key, body());
      expect(result).toEqual({ etag: md5(content), size: content.length });
      expect((await client.getObject("objects", key)).equals(content)).toBe(true);
    });
  }

  it("uploads a string as UTF-8", async () => {
    await client.putObject("objects", "text/hello.txt", "héllo wörld", {
      contentType: "text/plain",
    });
    expect((await client.getObject("objects", "text/hello.txt")).toString("utf8")).toBe(
      "héllo wörld",
    );
  });

  it("uploads a file given as { path }", async () => {
    const path = join(dir, "upload.bin");
    await writeFile(path, content);
    const result = await client.putObject("objects", "from-path", { path });
    expect(result.size).toBe(content.length);
    expect((await client.getObject("objects", "from-path")).equals(content)).toBe(true);
  });

  it("uploads an empty object", async () => {
    expect(await client.putObject("objects", "empty", Buffer.alloc(0))).toMatchObject({ size: 0 });
    expect((await client.getObject("objects", "empty")).length).toBe(0);
  });

  it("stores the content type and metadata given", async () => {
    await client.putObject("objects", "with-meta.csv", "a,b\n1,2\n", {
      contentType: "text/csv",
      metadata: { source: "test", rows: "1" },
    });
    const info = await client.statObject("objects", "with-meta.csv");
    expect(info).toMatchObject({
      key: "with-meta.csv",
      size: 8,
      contentType: "text/csv",
      metadata: { source: "test", rows: "1" },
    });
    expect(info.lastModified).toBeInstanceOf(Date);
  });

  it("reports upload progress with increasing bytes up to the total", async () => {
    const seen: Progress[] = [];
    await client.putObject("objects", "progress-up", content, { onProgress: (p) => seen.push(p) });
    expect(seen.length).toBeGreaterThanOrEqual(4);
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i]!.bytes).toBeGreaterThan(seen[i - 1]!.bytes);
    }
    expect(seen.at(-1)).toEqual({ bytes: content.length, total: content.length });
  });

  it("refuses a stream longer than its contentLength with InvalidArgumentError and keeps nothing", async () => {
    const error = await rejectionOf(
      client.putObject("objects", "wrong-length", Readable.from([content]), {
        contentLength: 10,
      }),
    );
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toMatchObject({ code: Status.INVALID_ARGUMENT });
    await expect(client.statObject("objects", "wrong-length")).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it("refuses a key escaping with '..' with InvalidArgumentError and keeps nothing", async () => {
    const before = await storage.files();
    const error = await rejectionOf(client.putObject("objects", "a/../../escape", "x"));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toMatchObject({ code: Status.INVALID_ARGUMENT });
    expect(await storage.files()).toEqual(before);
  });

  it("refuses an upload into a missing bucket with NotFoundError", async () => {
    await expect(client.putObject("no-such-bucket", "k", "x")).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it("refuses a negative contentLength before sending anything", async () => {
    const error = await rejectionOf(client.putObject("objects", "neg", "x", { contentLength: -1 }));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toMatchObject({ path: "/isa.minio.MinIOService/PutObject" });
  });

  it("leaves no object when the upload is aborted midway", async () => {
    const controller = new AbortController();
    let sent = 0;
    // An endless body: only the abort can end this upload.
    async function* endless() {
      while (true) yield randomBytes(256 * 1024);
    }
    const error = await rejectionOf(
      client.putObject("objects", "aborted", endless(), {
        signal: controller.signal,
        onProgress: ({ bytes }) => {
          sent = bytes;
          if (bytes >= 3 * MiB) controller.abort();
        },
      }),
    );
    expect(isAbortError(error)).toBe(true);
    expect(sent).toBeGreaterThanOrEqual(3 * MiB);
    await expect(client.statObject("objects", "aborted")).rejects.toBeInstanceOf(NotFoundError);
    const keys = (await all(client.listObjects("objects", { recursive: true }))).map(
      (e) => (e as ObjectInfo).key,
    );
    expect(keys).not.toContain("aborted");
  });

  it("rejects with the body's own error when reading the body fails", async () => {
    async function* failing() {
      yield Buffer.alloc(10);
      throw new Error("disk on fire");
    }
    await expect(client.putObject("objects", "broken-body", failing())).rejects.toThrow(
      "disk on fire",
    );
    await expect(client.statObject("objects", "broken-body")).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("getObject and friends", () => {
  const content = randomBytes(2 * MiB + 7);

  beforeAll(async () => {
    await client.putObject("objects", "read/me.bin", content, {
      contentType: "application/x-test",
    });
  });

  it("reads a range given by offset and length", async () => {
    const part = await client.getObject("objects", "read/me.bin", {
      offset: MiB - 5,
      length: 10,
    });
    expect(part.equals(content.subarray(MiB - 5, MiB + 5))).toBe(true);
  });

  it("reads from an offset to the end", async () => {
    const tail = await client.getObject("objects", "read/me.bin", { offset: 2 * MiB });
    expect(tail.equals(content.subarray(2 * MiB))).toBe(true);
  });

  it("refuses a negative offset with InvalidArgumentError before sending", async () => {
    const error = await rejectionOf(client.getObject("objects", "read/me.bin", { offset: -1 }));
    expect(error).toBeInstanceOf(InvalidArgumentError);
  });

  it("refuses an offset past the end with the service's InvalidArgumentError", async () => {
    const error = await rejectionOf(
      client.getObject("objects", "read/me.bin", { offset: content.length + 10 }),
    );
    expect(error).toMatchObject({ code: Status.INVALID_ARGUMENT });
  });

  it("reports download progress with increasing bytes up to the total", async () => {
    const seen: Progress[] = [];
    await client.getObject("objects", "read/me.bin", { onProgress: (p) => seen.push(p) });
    expect(seen.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i]!.bytes).toBeGreaterThan(seen[i - 1]!.bytes);
    }
    expect(seen.at(-1)).toEqual({ bytes: content.length, total: content.length });
  });

  it("streams an object with its info first", async () => {
    const { info, stream } = await client.getObjectStream("objects", "read/me.bin");
    expect(info).toMatchObject({
      key: "read/me.bin",
      size: content.length,
      contentType: "application/x-test",
      etag: md5(content),
    });
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(content)).toBe(true);
  });

  it("stops the download when the stream is destroyed early", async () => {
    const { stream } = await client.getObjectStream("objects", "read/me.bin");
    for await (const _ of stream) break;
    expect(stream.destroyed).toBe(true);
    // The connection is still good for the next call.
    expect((await client.statObject("objects", "read/me.bin")).size).toBe(content.length);
  });

  it("can destroy a stream before reading from it", async () => {
    const { stream } = await client.getObjectStream("objects", "read/me.bin");
    stream.destroy();
    await new Promise((resolve) => stream.once("close", resolve));
    expect((await client.getObject("objects", "read/me.bin", { length: 3 })).length).toBe(3);
  });

  it("throws NotFoundError from getObjectStream for a missing key before returning a stream", async () => {
    const error = await rejectionOf(client.getObjectStream("objects", "missing"));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ path: "/isa.minio.MinIOService/GetObject" });
  });

  it("downloads into a file and returns the object's info", async () => {
    const path = join(dir, "download.bin");
    const info = await client.downloadToFile("objects", "read/me.bin", path);
    expect(info.size).toBe(content.length);
    expect((await readFile(path)).equals(content)).toBe(true);
  });

  it("leaves no file behind when a download to a file fails", async () => {
    const before = await readdir(dir);
    const path = join(dir, "never.bin");
    await expect(client.downloadToFile("objects", "missing", path)).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect(await readdir(dir)).toEqual(before);
  });

  it("rejects with the file system's error when the target directory is missing", async () => {
    await expect(
      client.downloadToFile("objects", "read/me.bin", join(dir, "no-such-dir", "f.bin")),
    ).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("leaves the target file untouched when a download to it is aborted midway", async () => {
    const path = join(dir, "kept.bin");
    await writeFile(path, "old content");
    const controller = new AbortController();
    const error = await rejectionOf(
      client.downloadToFile("objects", "read/me.bin", path, {
        signal: controller.signal,
        onProgress: ({ bytes }) => {
          if (bytes >= MiB) controller.abort();
        },
      }),
    );
    expect(isAbortError(error)).toBe(true);
    expect(await readFile(path, "utf8")).toBe("old content");
    expect((await readdir(dir)).filter((f) => f.endsWith(".download"))).toEqual([]);
  });

  it("throws NotFoundError from statObject for a missing key", async () => {
    const error = await rejectionOf(client.statObject("objects", "missing"));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ code: Status.NOT_FOUND });
  });
});

describe("listObjects", () => {
  beforeAll(async () => {
    await client.createBucket("listing");
    const keys = [
      ...Array.from({ length: 23 }, (_, i) => `logs/2024/${String(i).padStart(2, "0")}.log`),
      "logs/2025/01.log",
      "logs/readme.txt",
      "top.txt",
    ];
    for (const key of keys) await client.putObject("listing", key, key);
  });

  it("walks every page to list all keys in order", async () => {
    const entries = await all(client.listObjects("listing", { recursive: true, pageSize: 5 }));
    const keys = entries.map((e) => (e as ObjectInfo).key);
    expect(keys).toHaveLength(26);
    expect(keys).toEqual([...keys].sort());
    expect(entries[0]).toMatchObject({ size: expect.any(Number), lastModified: expect.any(Date) });
  });

  it("groups keys by delimiter into common prefixes", async () => {
    const entries = await all(client.listObjects("listing", { prefix: "logs/", delimiter: "/" }));
    expect(entries).toEqual([
      { prefix: "logs/2024/" },
      { prefix: "logs/2025/" },
      expect.objectContaining({ key: "logs/readme.txt" }),
    ]);
  });

  it("lists everything under a prefix when recursive", async () => {
    const entries = await all(
      client.listObjects("listing", { prefix: "logs/2024/", recursive: true, pageSize: 7 }),
    );
    expect(entries).toHaveLength(23);
  });

  it("starts after a given key", async () => {
    const entries = await all(
      client.listObjects("listing", { recursive: true, startAfter: "logs/readme.txt" }),
    );
    expect(entries.map((e) => (e as ObjectInfo).key)).toEqual(["top.txt"]);
  });

  it("stops fetching when the loop breaks", async () => {
    let seen = 0;
    for await (const _ of client.listObjects("listing", { recursive: true, pageSize: 2 })) {
      if (++seen === 3) break;
    }
    expect(seen).toBe(3);
  });

  it("throws NotFoundError on the first iteration for a missing bucket", async () => {
    await expect(all(client.listObjects("no-such-bucket"))).rejects.toBeInstanceOf(NotFoundError);
  });

  it("refuses a page size above 1,000 with InvalidArgumentError", async () => {
    await expect(all(client.listObjects("listing", { pageSize: 5000 }))).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
  });
});

describe("copy and delete", () => {
  beforeAll(async () => {
    await client.putObject("objects", "copy/source", "source bytes", {
      contentType: "text/plain",
      metadata: { origin: "source" },
    });
  });

  it("copies an object keeping its metadata", async () => {
    const { etag } = await client.copyObject(
      { bucket: "objects", key: "copy/source" },
      { bucket: "objects", key: "copy/kept" },
    );
    expect(etag).toBe(md5(Buffer.from("source bytes")));
    const info = await client.statObject("objects", "copy/kept");
    expect(info.metadata).toEqual({ origin: "source" });
    expect((await client.getObject("objects", "copy/kept")).toString()).toBe("source bytes");
  });

  it("copies an object replacing its metadata", async () => {
    await client.copyObject(
      { bucket: "objects", key: "copy/source" },
      { bucket: "objects", key: "copy/replaced" },
      { metadata: { origin: "copy" } },
    );
    expect((await client.statObject("objects", "copy/replaced")).metadata).toEqual({
      origin: "copy",
    });
  });

  it("throws NotFoundError when copying a missing object", async () => {
    await expect(
      client.copyObject(
        { bucket: "objects", key: "copy/missing" },
        { bucket: "objects", key: "copy/x" },
      ),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it("deletes an object, and deleting a missing one succeeds", async () => {
    await client.deleteObject("objects", "copy/kept");
    await expect(client.statObject("objects", "copy/kept")).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.deleteObject("objects", "copy/kept")).resolves.toBeUndefined();
  });

  it("deletes many objects, reporting per key what failed", async () => {
    await client.putObject("objects", "many/1", "1");
    await client.putObject("objects", "many/2", "2");
    const result = await client.deleteObjects("objects", ["many/1", "many/2", "../bad"]);
    expect(result.deleted.sort()).toEqual(["many/1", "many/2"]);
    expect(result.errors).toEqual([
      { key: "../bad", code: "INVALID_ARGUMENT", message: expect.any(String) },
    ]);
    await expect(client.statObject("objects", "many/1")).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("the integration guide's operations", () => {
  it("uploadFile(bucket, key, data, userId) returns true and downloadFile reads it back", async () => {
    expect(
      await client.uploadFile("objects", "guide/test.txt", Buffer.from("Hello World"), "carol"),
    ).toBe(true);
    expect((await client.downloadFile("objects", "guide/test.txt", "carol")).toString()).toBe(
      "Hello World",
    );
    // user_id may be left out: the token says who the caller is.
    expect((await client.downloadFile("objects", "guide/test.txt")).toString()).toBe("Hello World");
  });

  it("refuses a user_id other than the token's with PermissionDeniedError and stores nothing", async () => {
    const error = await rejectionOf(
      client.uploadFile("objects", "guide/other.txt", "x", "mallory"),
    );
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect(error).toMatchObject({ code: Status.PERMISSION_DENIED });
    await expect(client.statObject("objects", "guide/other.txt")).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(
      client.downloadFile("objects", "guide/test.txt", "mallory"),
    ).rejects.toBeInstanceOf(PermissionDeniedError);
  });
});
