import { existsSync } from "node:fs";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { type CallOptions, Status } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { escapeSegment } from "../src/escape.js";
import { startMinioService } from "../src/index.js";
import { presignUrl } from "../src/presign.js";
import { idSegment } from "../src/tenant.js";
import {
  allKeys,
  createBucket,
  expectNoObject,
  expectStatus,
  getObject,
  type Harness,
  MiB,
  md5,
  putObject,
  putRequests,
  randomBody,
  startHarness,
} from "./harness.js";

describe("filesystem backend on disk", () => {
  let h: Harness;
  let alice: CallOptions;

  beforeAll(async () => {
    h = await startHarness("fs");
    alice = await h.as("alice");
    await createBucket(h, alice, "disk");
  });
  afterAll(async () => {
    await h?.close();
  });

  const tmpEntries = () => readdir(join(h.objectsRoot, ".tmp"));

  it("streams a download many chunks long whole and in order to a slow reader, and lets one stop midway", async () => {
    // More chunks than GetObject lets wait in the send queue, read slower than the disk.
    const body = randomBody(12 * MiB + 3);
    await putObject(h, alice, "disk", "long", body);
    const received: Buffer[] = [];
    for await (const message of h.client.getObject(
      { bucketName: "disk", objectKey: "long", userId: "", offset: 1n, length: 0n, versionId: "" },
      alice,
    )) {
      if (message.payload?.$case !== "chunkData") continue;
      received.push(Buffer.from(message.payload.value));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(received.every((chunk) => chunk.length <= MiB)).toBe(true);
    expect(Buffer.concat(received).equals(body.subarray(1))).toBe(true);

    let seen = 0;
    for await (const message of h.client.getObject(
      { bucketName: "disk", objectKey: "long", userId: "", offset: 0n, length: 0n, versionId: "" },
      alice,
    )) {
      if (message.payload?.$case === "chunkData" && ++seen === 2) break;
    }
    await putObject(h, alice, "disk", "long", "replaced");
    expect(
      (await getObject(h, alice, { bucketName: "disk", objectKey: "long" })).body.toString(),
    ).toBe("replaced");
  });

  it("keeps a tenant's escaped directory while it fits a file name, and hashes a longer id", async () => {
    const fits = "用".repeat(28); // 252 bytes escaped
    const long = "用".repeat(40); // 360 bytes escaped
    await createBucket(h, await h.as(fits), "named");
    await createBucket(h, await h.as(long), "named");
    const kept = join(h.objectsRoot, "u", escapeSegment(fits), "named", "bucket.json");
    expect(existsSync(kept)).toBe(true);
    expect(idSegment(long)).toMatch(/^~(e794a8){10}[0-9a-f]{4}~[0-9a-f]{64}$/);
    expect(existsSync(join(h.objectsRoot, "u", idSegment(long), "named", "bucket.json"))).toBe(
      true,
    );
    expect(await readdir(join(h.objectsRoot, "u"))).not.toContain(escapeSegment(long));
  });

  it("keeps each (user, bucket) in its own directory, ids escaped", async () => {
    await createBucket(h, await h.as("a"), "b-xyz");
    await createBucket(h, await h.as("a-b"), "xyz");
    await createBucket(h, await h.as("Mallory/../../etc"), "evil");
    expect(existsSync(join(h.objectsRoot, "u", "a", "b-xyz", "bucket.json"))).toBe(true);
    expect(existsSync(join(h.objectsRoot, "u", "a-b", "xyz", "bucket.json"))).toBe(true);
    expect(
      existsSync(join(h.objectsRoot, "u", "^mallory%2f..%2f..%2fetc", "evil", "bucket.json")),
    ).toBe(true);
    await putObject(h, alice, "disk", "dir/file.txt", "on disk");
    const objectDir = join(h.objectsRoot, "u", "alice", "disk", "objects", "_dir", "_file.txt");
    const files = await readdir(objectDir);
    expect(files).toContain("meta.json");
    expect(files.filter((f) => f.startsWith("data-"))).toHaveLength(1);
  });

  it("leaves no temp file behind when an upload fails", async () => {
    await expectStatus(
      putObject(h, alice, "disk", "failed", randomBody(3 * MiB), { contentLength: 1n }),
      Status.INVALID_ARGUMENT,
    );
    expect(await tmpEntries()).toEqual([]);
    // Past 1 MiB the write worker has the body: a stream that ends short still leaves nothing.
    await expectStatus(
      putObject(h, alice, "disk", "failed", randomBody(5 * MiB), {
        contentLength: BigInt(8 * MiB),
      }),
      Status.INVALID_ARGUMENT,
    );
    await expectNoObject(h, alice, "disk", "failed");
    expect(await tmpEntries()).toEqual([]);
  });

  it("keeps one data file per object across overwrites", async () => {
    for (let i = 0; i < 3; i++) await putObject(h, alice, "disk", "rewritten", `version ${i}`);
    const dir = join(h.objectsRoot, "u", "alice", "disk", "objects", "_rewritten");
    expect((await readdir(dir)).filter((f) => f.startsWith("data-"))).toHaveLength(1);
  });

  it("lets a reader finish the old bytes while an overwrite commits", async () => {
    const old = randomBody(4 * MiB);
    await putObject(h, alice, "disk", "hot", old);
    const stream = h.client.getObject(
      { bucketName: "disk", objectKey: "hot", userId: "", offset: 0n, length: 0n, versionId: "" },
      alice,
    );
    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value?.payload?.$case).toBe("metadata");
    const chunks: Buffer[] = [];
    const second = await iterator.next();
    if (second.value?.payload?.$case === "chunkData")
      chunks.push(Buffer.from(second.value.payload.value));
    await putObject(h, alice, "disk", "hot", "replaced");
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      if (next.value.payload?.$case === "chunkData")
        chunks.push(Buffer.from(next.value.payload.value));
    }
    expect(Buffer.concat(chunks).equals(old)).toBe(true);
    expect(
      (await getObject(h, alice, { bucketName: "disk", objectKey: "hot" })).body.toString(),
    ).toBe("replaced");
  });

  it("shows nothing of an interrupted write after a restart, and clears its leftovers", async () => {
    // What a crash mid-commit can leave: a temp file, and a data file no sidecar names yet.
    await writeFile(join(h.objectsRoot, ".tmp", "in-flight"), "partial");
    const orphanDir = join(h.objectsRoot, "u", "alice", "disk", "objects", "_crashed");
    await mkdir(orphanDir, { recursive: true });
    await writeFile(join(orphanDir, "data-0000"), "half an object");
    await h.restart();
    expect(await tmpEntries()).toEqual([]);
    await expectNoObject(h, alice, "disk", "crashed");
    expect(await allKeys(h, alice, "disk")).not.toContain("crashed");
    await putObject(h, alice, "disk", "crashed", "whole");
    expect((await readdir(orphanDir)).filter((f) => f.startsWith("data-"))).toHaveLength(1);
  });

  it("refuses a second service on the same data directory, naming the way out", async () => {
    await expect(
      startMinioService({
        host: "127.0.0.1",
        port: 0,
        httpPort: 0,
        backend: { kind: "fs", root: h.objectsRoot },
        auth: { hs256Secret: "x".repeat(32) },
        presignSecret: "p",
        maxMessageBytes: 8 * MiB,
        logLevel: "silent",
      }),
    ).rejects.toThrow(/in use by another storage service.*ISA_DATA_DIR/);
  });

  it("refuses a chunk larger than the message limit with RESOURCE_EXHAUSTED", async () => {
    await expectStatus(
      h.client.putObject(
        putRequests({ bucketName: "disk", objectKey: "huge" }, randomBody(9 * MiB), 9 * MiB),
        alice,
      ),
      Status.RESOURCE_EXHAUSTED,
    );
    await expectNoObject(h, alice, "disk", "huge");
  });

  describe("presigned URL endpoint", () => {
    const base = () => `http://127.0.0.1:${h.httpPort}`;
    const sign = (claims: Partial<Parameters<typeof presignUrl>[2]> & { key: string }) =>
      presignUrl(base(), "presign-test-secret", {
        method: "GET",
        loc: { tenant: { kind: "user", id: "alice" }, bucket: "disk" },
        expires: Math.floor(Date.now() / 1000) + 60,
        ownerId: "alice",
        responseOverrides: {},
        ...claims,
      });

    beforeAll(async () => {
      await putObject(h, alice, "disk", "web/page.html", "0123456789", {
        contentType: "text/html",
      });
    });

    it("serves ranges and response overrides", async () => {
      const ranged = await fetch(sign({ key: "web/page.html" }), {
        headers: { range: "bytes=2-4" },
      });
      expect(ranged.status).toBe(206);
      expect(ranged.headers.get("content-range")).toBe("bytes 2-4/10");
      expect(await ranged.text()).toBe("234");
      const suffix = await fetch(sign({ key: "web/page.html" }), {
        headers: { range: "bytes=-3" },
      });
      expect(await suffix.text()).toBe("789");
      const beyond = await fetch(sign({ key: "web/page.html" }), {
        headers: { range: "bytes=10-" },
      });
      expect(beyond.status).toBe(416);
      const overridden = await fetch(
        sign({
          key: "web/page.html",
          responseOverrides: { "response-content-type": "text/plain" },
        }),
      );
      expect(overridden.headers.get("content-type")).toBe("text/plain");
      expect(overridden.headers.get("etag")).toMatch(/^"[0-9a-f]{32}"$/);
      const head = await fetch(sign({ key: "web/page.html" }), { method: "HEAD" });
      expect(head.headers.get("content-length")).toBe("10");
    });

    it("answers 403 to tampered, expired and wrong-method URLs, 404 to missing objects", async () => {
      const url = sign({ key: "web/page.html" });
      expect((await fetch(url.replace("page.html", "other.html"))).status).toBe(403);
      expect(
        (await fetch(url.replace(/X-Isa-Signature=[0-9a-f]{4}/, "X-Isa-Signature=0000"))).status,
      ).toBe(403);
      expect(
        (await fetch(sign({ key: "web/page.html", expires: Math.floor(Date.now() / 1000) - 1 })))
          .status,
      ).toBe(403);
      expect((await fetch(url, { method: "PUT", body: "overwrite" })).status).toBe(403);
      expect((await fetch(url, { method: "POST", body: "x" })).status).toBe(405);
      expect((await fetch(sign({ key: "web/missing.html" }))).status).toBe(404);
      expect((await fetch(`${base()}/o/u/alice/disk/web/page.html`)).status).toBe(403);
      expect(
        (
          await getObject(h, alice, { bucketName: "disk", objectKey: "web/page.html" })
        ).body.toString(),
      ).toBe("0123456789");
    });

    it("requires the signed content type on PUT, and 404s for a missing bucket", async () => {
      const url = sign({ method: "PUT", key: "typed.json", contentType: "application/json" });
      expect(
        (await fetch(url, { method: "PUT", body: "{}", headers: { "content-type": "text/plain" } }))
          .status,
      ).toBe(403);
      expect(
        (
          await fetch(url, {
            method: "PUT",
            body: "{}",
            headers: { "content-type": "application/json" },
          })
        ).status,
      ).toBe(200);
      const stat = await h.client.statObject(
        { bucketName: "disk", objectKey: "typed.json", userId: "", versionId: "" },
        alice,
      );
      expect(stat.objectInfo).toMatchObject({ contentType: "application/json", ownerId: "alice" });
      const noBucket = presignUrl(base(), "presign-test-secret", {
        method: "PUT",
        loc: { tenant: { kind: "user", id: "alice" }, bucket: "gone-bucket" },
        key: "k",
        expires: Math.floor(Date.now() / 1000) + 60,
        ownerId: "alice",
        responseOverrides: {},
      });
      expect((await fetch(noBucket, { method: "PUT", body: "x" })).status).toBe(404);
    });

    it("stores nothing when a PUT is cut off midway", async () => {
      const url = new URL(sign({ method: "PUT", key: "cut-off.bin" }));
      await new Promise<void>((resolve) => {
        const req = request(url, { method: "PUT", headers: { "content-length": String(MiB) } });
        req.on("error", () => resolve());
        req.write(randomBody(64 * 1024), () => setTimeout(() => req.destroy(), 50));
        req.on("close", () => resolve());
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      await expectNoObject(h, alice, "disk", "cut-off.bin");
      expect(await tmpEntries()).toEqual([]);
    });

    it("stores nothing when a PUT is cut off after several MiB (the write worker's part)", async () => {
      const url = new URL(sign({ method: "PUT", key: "cut-off-late.bin" }));
      await new Promise<void>((resolve) => {
        const req = request(url, {
          method: "PUT",
          headers: { "content-length": String(16 * MiB) },
        });
        req.on("error", () => resolve());
        req.on("close", () => resolve());
        req.write(randomBody(6 * MiB), () => setTimeout(() => req.destroy(), 100));
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await expectNoObject(h, alice, "disk", "cut-off-late.bin");
      expect(await tmpEntries()).toEqual([]);
    });

    it("serves a GET many reads long whole to a slow reader, and one that stops midway", async () => {
      // Reads go into reused buffers: a buffer refilled before the socket took it would
      // show here as wrong bytes.
      const body = randomBody(9 * MiB + 5);
      await putObject(h, alice, "disk", "long-get.bin", body);
      const received = await new Promise<Buffer>((resolve, reject) => {
        request(new URL(sign({ key: "long-get.bin" })), (res) => {
          const parts: Buffer[] = [];
          res.on("data", (part: Buffer) => {
            parts.push(part);
            res.pause();
            setTimeout(() => res.resume(), 1);
          });
          res.on("end", () => resolve(Buffer.concat(parts)));
          res.on("error", reject);
        })
          .on("error", reject)
          .end();
      });
      expect(received.equals(body)).toBe(true);
      await new Promise<void>((resolve) => {
        const req = request(new URL(sign({ key: "long-get.bin" })), (res) => {
          res.once("data", () => req.destroy());
          res.on("close", () => resolve());
        });
        req.on("error", () => resolve());
        req.end();
      });
      const again = await fetch(sign({ key: "long-get.bin" }), { headers: { range: "bytes=-5" } });
      expect(Buffer.from(await again.arrayBuffer()).equals(body.subarray(-5))).toBe(true);
    });

    it("stores nothing when a chunked PUT (no Content-Length) is cut off midway", async () => {
      const url = new URL(sign({ method: "PUT", key: "cut-off-chunked.bin" }));
      await new Promise<void>((resolve) => {
        const req = request(url, { method: "PUT" }); // Transfer-Encoding: chunked
        req.on("error", () => resolve());
        req.write(randomBody(256 * 1024), () => setTimeout(() => req.destroy(), 50));
        req.on("close", () => resolve());
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      await expectNoObject(h, alice, "disk", "cut-off-chunked.bin");
      expect(await tmpEntries()).toEqual([]);
    });

    it("stores a PUT sent in many small writes whole, with its MD5 as ETag", async () => {
      const pieces = Array.from({ length: 300 }, (_, i) => randomBody(1 + ((i * 4099) % 20_000)));
      const whole = Buffer.concat(pieces);
      const etag = await new Promise<string | undefined>((resolve, reject) => {
        const req = request(new URL(sign({ method: "PUT", key: "pieces.bin" })), {
          method: "PUT",
        });
        req.on("response", (res) => {
          res.resume();
          res.on("end", () =>
            res.statusCode === 200 ? resolve(res.headers.etag) : reject(new Error("not stored")),
          );
        });
        req.on("error", reject);
        let i = 0;
        const next = () => {
          if (i === pieces.length) return void req.end();
          req.write(pieces[i++], () => setImmediate(next));
        };
        next();
      });
      expect(etag).toBe(`"${md5(whole)}"`);
      const got = await getObject(h, alice, { bucketName: "disk", objectKey: "pieces.bin" });
      expect(got.body.equals(whole)).toBe(true);
      expect(await tmpEntries()).toEqual([]);
    });
  });
});
