import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import net, { type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { isAbortError } from "abort-controller-x";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  DeadlineExceededError,
  InvalidArgumentError,
  MinioClient,
  type MinioClientOptions,
  NotFoundError,
  type Progress,
  ServiceUnavailableError,
} from "../src/index.js";
import { all, rejectionOf, type Storage, startStorage } from "./storage.js";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy.js";

const MiB = 1024 * 1024;
const md5 = (data: Uint8Array) => createHash("md5").update(data).digest("hex");

// The service's presigned URLs point at a TCP proxy in front of its HTTP endpoint, which
// counts the bytes going through it (so a test knows whether HTTP carried them) and cuts
// connections on cue.
let proxy: TcpProxy;
let storage: Storage;
let dir: string;
const clients: MinioClient[] = [];

async function clientFor(sub: string, options: Partial<MinioClientOptions>) {
  const client = await storage.client(sub, options);
  clients.push(client);
  return client;
}

let http: MinioClient; // carol, transfer "http"
let grpc: MinioClient; // carol, transfer "grpc"
let auto: MinioClient; // carol, transfer "auto" from 1 MiB

beforeAll(async () => {
  proxy = await startTcpProxy();
  storage = await startStorage({ publicUrl: `http://127.0.0.1:${proxy.port}` });
  proxy.target = storage.httpPort;
  http = await clientFor("carol", { transfer: "http" });
  grpc = await clientFor("carol", { transfer: "grpc" });
  auto = await clientFor("carol", { transferThresholdBytes: MiB });
  await grpc.createBucket("fast");
  dir = await mkdtemp(join(tmpdir(), "minio-client-http-"));
});

afterAll(async () => {
  await storage?.close();
  await proxy?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  proxy.cutUpAfter = Number.POSITIVE_INFINITY;
  proxy.cutDownAfter = Number.POSITIVE_INFINITY;
});

/** Bytes that crossed the presigned endpoint while `run` ran, up and down. */
async function overHttp(run: () => Promise<unknown>): Promise<{ up: number; down: number }> {
  const [up, down] = [proxy.bytesUp, proxy.bytesDown];
  await run();
  return { up: proxy.bytesUp - up, down: proxy.bytesDown - down };
}

describe('transfer "http"', () => {
  const content = randomBytes(3 * MiB + 123);

  it("uploads and downloads exactly the same bytes, with progress", async () => {
    const up: Progress[] = [];
    const down: Progress[] = [];
    const moved = await overHttp(async () => {
      const result = await http.putObject("fast", "exact.bin", content, {
        contentType: "application/x-test",
        onProgress: (p) => up.push(p),
      });
      expect(result).toEqual({ etag: md5(content), size: content.length });
      const back = await http.getObject("fast", "exact.bin", { onProgress: (p) => down.push(p) });
      expect(back.equals(content)).toBe(true);
    });
    expect(moved.up).toBeGreaterThan(content.length);
    expect(moved.down).toBeGreaterThan(content.length);
    expect(up.at(-1)).toEqual({ bytes: content.length, total: content.length });
    expect(down.at(-1)).toEqual({ bytes: content.length, total: content.length });
    // The gRPC side sees the same object.
    const info = await grpc.statObject("fast", "exact.bin");
    expect(info).toMatchObject({ size: content.length, contentType: "application/x-test" });
    expect((await grpc.getObject("fast", "exact.bin")).equals(content)).toBe(true);
  });

  it("uploads a stream of unknown length and reads ranges, streams and files back", async () => {
    async function* pieces() {
      for (let at = 0; at < content.length; at += 100_000) yield content.subarray(at, at + 100_000);
    }
    await http.putObject("fast", "stream.bin", pieces());
    const range = await http.getObject("fast", "stream.bin", { offset: 1000, length: 2 * MiB });
    expect(range.equals(content.subarray(1000, 1000 + 2 * MiB))).toBe(true);
    const tail = await http.getObject("fast", "stream.bin", { offset: content.length - 10 });
    expect(tail.equals(content.subarray(-10))).toBe(true);
    expect(await http.getObject("fast", "stream.bin", { offset: content.length + 5 })).toEqual(
      Buffer.alloc(0),
    );
    const { info, stream } = await http.getObjectStream("fast", "stream.bin");
    expect(info.size).toBe(content.length);
    expect(Buffer.concat(await all<Buffer>(stream)).equals(content)).toBe(true);
    const path = join(dir, "stream.bin");
    await http.downloadToFile("fast", "stream.bin", path);
    expect((await readFile(path)).equals(content)).toBe(true);
  });

  it("uploads a file with putFile in one PUT, and an empty object", async () => {
    const path = join(dir, "upload.bin");
    const big = randomBytes(9 * MiB);
    await writeFile(path, big);
    const result = await http.putFile("fast", "file.bin", path, { partSize: 5 * MiB });
    // One PUT, not a multipart upload: the ETag is the plain MD5.
    expect(result).toEqual({ etag: md5(big), size: big.length });
    expect((await grpc.getObject("fast", "file.bin")).equals(big)).toBe(true);
    await http.putObject("fast", "empty", Buffer.alloc(0));
    expect(await http.getObject("fast", "empty")).toEqual(Buffer.alloc(0));
  });

  it("keeps uploadFile/downloadFile's userId check", async () => {
    expect(await http.uploadFile("fast", "guide.txt", "hello", "carol")).toBe(true);
    expect((await http.downloadFile("fast", "guide.txt", "carol")).toString()).toBe("hello");
    const refused = await rejectionOf(http.downloadFile("fast", "guide.txt", "mallory"));
    expect(refused).toBeInstanceOf(
      ((await rejectionOf(grpc.downloadFile("fast", "guide.txt", "mallory"))) as object)
        .constructor,
    );
  });
});

describe('transfer "auto"', () => {
  it("moves objects from the threshold up over HTTP and smaller ones over gRPC", async () => {
    const large = randomBytes(2 * MiB);
    const small = randomBytes(100_000);
    const bigMoved = await overHttp(async () => {
      await auto.putObject("fast", "auto-large", large);
      expect((await auto.getObject("fast", "auto-large")).equals(large)).toBe(true);
    });
    expect(bigMoved.up).toBeGreaterThan(large.length);
    expect(bigMoved.down).toBeGreaterThan(large.length);
    const smallMoved = await overHttp(async () => {
      await auto.putObject("fast", "auto-small", small);
      expect((await auto.getObject("fast", "auto-small")).equals(small)).toBe(true);
    });
    expect(smallMoved).toEqual({ up: 0, down: 0 });
  });

  it("sends a file above partSize in one presigned PUT rather than in gRPC parts", async () => {
    const path = join(dir, "auto-file.bin");
    const big = randomBytes(11 * MiB);
    await writeFile(path, big);
    const moved = await overHttp(async () => {
      const result = await auto.putFile("fast", "auto-file.bin", path, { partSize: 5 * MiB });
      expect(result).toEqual({ etag: md5(big), size: big.length });
    });
    expect(moved.up).toBeGreaterThan(big.length);
  });

  it("keeps uploads with metadata, and streams of unknown length, on gRPC", async () => {
    const large = randomBytes(2 * MiB);
    const moved = await overHttp(async () => {
      await auto.putObject("fast", "auto-meta", large, { metadata: { kept: "yes" } });
      await auto.putObject(
        "fast",
        "auto-stream",
        (async function* () {
          yield large;
        })(),
      );
    });
    expect(moved.up).toBe(0);
    expect((await grpc.statObject("fast", "auto-meta")).metadata).toEqual({ kept: "yes" });
    expect((await grpc.getObject("fast", "auto-stream")).equals(large)).toBe(true);
  });
});

describe("when presigned URLs cannot be reached", () => {
  let unreachable: Storage;

  beforeAll(async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    unreachable = await startStorage({ publicUrl: `http://127.0.0.1:${port}` });
  });

  afterAll(async () => {
    await unreachable?.close();
  });

  it('"auto" falls back to the gRPC stream, uploads and downloads alike', async () => {
    const content = randomBytes(2 * MiB + 7);
    const client = await unreachable.client("dan", { transferThresholdBytes: MiB });
    await client.createBucket("bbb");
    expect(await client.putObject("bbb", "k", content)).toEqual({
      etag: md5(content),
      size: content.length,
    });
    expect((await client.getObject("bbb", "k")).equals(content)).toBe(true);
    // A stream body is not read before the fallback, so nothing of it is lost.
    async function* once() {
      yield content;
    }
    await client.putObject("bbb", "s", once(), { contentLength: content.length });
    expect((await client.getObject("bbb", "s")).equals(content)).toBe(true);
  });

  it('"http" fails with ServiceUnavailableError instead', async () => {
    const client = await unreachable.client("dan", { transfer: "http" });
    const put = await rejectionOf(client.putObject("bbb", "h", "x"));
    expect(put).toBeInstanceOf(ServiceUnavailableError);
    const get = await rejectionOf(client.getObject("bbb", "k"));
    expect(get).toBeInstanceOf(ServiceUnavailableError);
  });
});

describe("a failed HTTP upload keeps nothing", () => {
  const content = randomBytes(6 * MiB);

  async function expectNothingKept(key: string) {
    expect(await rejectionOf(grpc.statObject("fast", key))).toBeInstanceOf(NotFoundError);
    // No staged part of the body is left on the backend's disk either, once the service
    // has seen the connection go (the client may learn of the failure first).
    await expect
      .poll(async () => (await storage.files()).filter((f) => f.startsWith(".tmp/")), {
        timeout: 10_000,
      })
      .toEqual([]);
  }

  it("when the connection is cut midway", async () => {
    proxy.cutUpAfter = 2 * MiB;
    const error = await rejectionOf(http.putObject("fast", "cut.bin", content));
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    await expectNothingKept("cut.bin");
  });

  it("when the body fails midway (its own error is rethrown)", async () => {
    const broken = new Error("disk gone");
    async function* body() {
      yield content.subarray(0, 2 * MiB);
      throw broken;
    }
    const error = await rejectionOf(
      http.putObject("fast", "broken.bin", body(), { contentLength: content.length }),
    );
    expect(error).toBe(broken);
    await expectNothingKept("broken.bin");
  });

  it("when the caller aborts midway", async () => {
    const controller = new AbortController();
    async function* body() {
      yield content.subarray(0, 2 * MiB);
      controller.abort();
      yield content.subarray(2 * MiB);
    }
    const error = await rejectionOf(
      http.putObject("fast", "aborted.bin", body(), {
        contentLength: content.length,
        signal: controller.signal,
      }),
    );
    expect(isAbortError(error)).toBe(true);
    await expectNothingKept("aborted.bin");
  });

  it("when the deadline passes midway", async () => {
    async function* slow() {
      yield content.subarray(0, MiB);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      yield content.subarray(MiB);
    }
    const error = await rejectionOf(
      http.putObject("fast", "late.bin", slow(), { contentLength: content.length, deadline: 300 }),
    );
    expect(error).toBeInstanceOf(DeadlineExceededError);
    await expectNothingKept("late.bin");
  });

  it("when the body is not its contentLength (InvalidArgumentError, as over gRPC)", async () => {
    for (const length of [content.length - 1, content.length + 1]) {
      const overGrpc = await rejectionOf(
        grpc.putObject("fast", "wrong.bin", Readable.from([content]), { contentLength: length }),
      );
      const overHttp = await rejectionOf(
        http.putObject("fast", "wrong.bin", Readable.from([content]), { contentLength: length }),
      );
      expect(overGrpc).toBeInstanceOf(InvalidArgumentError);
      expect(overHttp).toBeInstanceOf(InvalidArgumentError);
    }
    await expectNothingKept("wrong.bin");
  });
});

describe("a failed HTTP download returns nothing partial", () => {
  const content = randomBytes(6 * MiB);

  beforeAll(async () => {
    await grpc.putObject("fast", "download.bin", content);
  });

  it("when the connection is cut midway (ServiceUnavailableError, no file left)", async () => {
    proxy.cutDownAfter = 2 * MiB;
    expect(await rejectionOf(http.getObject("fast", "download.bin"))).toBeInstanceOf(
      ServiceUnavailableError,
    );
    const path = join(dir, "cut-download.bin");
    const error = await rejectionOf(http.downloadToFile("fast", "download.bin", path));
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(await rejectionOf(readFile(path))).toMatchObject({ code: "ENOENT" });
  });

  it("when the caller aborts midway", async () => {
    const controller = new AbortController();
    const error = await rejectionOf(
      http.getObject("fast", "download.bin", {
        signal: controller.signal,
        onProgress: ({ bytes }) => {
          if (bytes >= MiB) controller.abort();
        },
      }),
    );
    expect(isAbortError(error)).toBe(true);
  });

  it("when the caller destroys the stream early, the next download still works", async () => {
    const { stream } = await http.getObjectStream("fast", "download.bin");
    for await (const _ of stream) break;
    expect((await http.getObject("fast", "download.bin")).equals(content)).toBe(true);
  });
});

describe("errors over HTTP are the gRPC path's typed errors", () => {
  const cases: Array<[string, (c: MinioClient) => Promise<unknown>]> = [
    ["a missing object", (c) => c.getObject("fast", "no-such-key")],
    ["a missing bucket (download)", (c) => c.getObject("no-such-bucket", "k")],
    ["a missing bucket (upload)", (c) => c.putObject("no-such-bucket", "k", "x")],
    ["an invalid key", (c) => c.putObject("fast", "", "x")],
    ["an invalid bucket name", (c) => c.getObject("Not_A_Bucket!", "k")],
    ["a negative offset", (c) => c.getObject("fast", "exact.bin", { offset: -1 })],
    ["a bad content type", (c) => c.putObject("fast", "k", "x", { contentType: "bad\n" })],
  ];
  for (const [what, call] of cases) {
    it(`for ${what}`, async () => {
      const overGrpc = await rejectionOf(call(grpc));
      const overHttp = await rejectionOf(call(http));
      expect(overGrpc).toBeInstanceOf(Error);
      expect((overHttp as object).constructor).toBe((overGrpc as object).constructor);
      expect(overHttp).toMatchObject({ code: (overGrpc as { code: unknown }).code });
    });
  }

  it('refuses metadata with transfer "http" (a presigned PUT carries none)', async () => {
    const error = await rejectionOf(http.putObject("fast", "m", "x", { metadata: { a: "b" } }));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(String(error)).toMatch(/metadata/);
  });

  it("refuses a bad transfer option or threshold when the client is made", () => {
    const base = { address: storage.address };
    expect(() => new MinioClient({ ...base, transfer: "ftp" as "http" })).toThrow(
      /transfer must be "auto", "grpc" or "http", got ftp/,
    );
    expect(() => new MinioClient({ ...base, transferThresholdBytes: -1 })).toThrow(
      /transferThresholdBytes must be a whole number/,
    );
  });
});

describe("tenant isolation over HTTP", () => {
  let bob: MinioClient;

  beforeAll(async () => {
    bob = await clientFor("bob", { transfer: "http" });
    await bob.createBucket("bobs");
    await bob.putObject("bobs", "diary.txt", "bob's");
    await grpc.putObject("fast", "carols.txt", "carol's");
  });

  it("another user's object is refused as over gRPC", async () => {
    const bobGrpc = await clientFor("bob", { transfer: "grpc" });
    for (const call of [
      (c: MinioClient) => c.getObject("u:carol/fast", "carols.txt"),
      (c: MinioClient) => c.putObject("u:carol/fast", "carols.txt", "overwritten"),
    ]) {
      const overGrpc = await rejectionOf(call(bobGrpc));
      const overHttp = await rejectionOf(call(bob));
      expect((overHttp as object).constructor).toBe((overGrpc as object).constructor);
      expect(overHttp).toMatchObject({ code: (overGrpc as { code: unknown }).code });
    }
    expect((await grpc.getObject("fast", "carols.txt")).toString()).toBe("carol's");
  });

  it("a withToken view moves bytes as its caller, and closing it leaves the client working", async () => {
    const asBob = http.withToken(await storage.token("bob"));
    expect((await asBob.getObject("bobs", "diary.txt")).toString()).toBe("bob's");
    // "fast" is carol's bucket; bob has none of that name.
    expect(await rejectionOf(asBob.getObject("fast", "carols.txt"))).toBeInstanceOf(NotFoundError);
    asBob.close();
    expect((await http.getObject("fast", "carols.txt")).toString()).toBe("carol's");
  });

  it("a URL made for one user's object cannot reach another's", async () => {
    const { url } = await grpc.presignedPutUrl("fast", "carols.txt");
    const retargeted = new URL(url);
    retargeted.pathname = retargeted.pathname
      .replace("/u/carol/", "/u/bob/")
      .replace("/fast/carols.txt", "/bobs/diary.txt");
    expect(retargeted.pathname).toContain("/u/bob/bobs/diary.txt");
    const response = await fetch(retargeted, { method: "PUT", body: "overwritten" });
    expect(response.status).toBe(403);
    const { url: getUrl } = await grpc.presignedGetUrl("fast", "carols.txt");
    const peek = new URL(getUrl);
    peek.pathname = peek.pathname.replace("/u/carol/fast/carols.txt", "/u/bob/bobs/diary.txt");
    expect((await fetch(peek)).status).toBe(403);
    expect((await bob.getObject("bobs", "diary.txt")).toString()).toBe("bob's");
  });
});
