import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isAbortError } from "abort-controller-x";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  InvalidArgumentError,
  MinioClient,
  NotFoundError,
  type Progress,
  UnauthenticatedError,
} from "../src/index.js";
import { rejectionOf, type Storage, startStorage } from "./storage.js";

const MiB = 1024 * 1024;

let storage: Storage;
let client: MinioClient;
let dir: string;
let bigPath: string;
let big: Buffer;

beforeAll(async () => {
  storage = await startStorage();
  // The gRPC multipart path; transfer "auto" would send these files in one presigned PUT
  // (test/http-transfer.test.ts).
  client = await storage.client("dave", { transfer: "grpc" });
  await client.createBucket("uploads");
  dir = await mkdtemp(join(tmpdir(), "minio-client-multipart-"));
  big = randomBytes(21 * MiB + 17);
  bigPath = join(dir, "big.bin");
  await writeFile(bigPath, big);
});

afterAll(async () => {
  await storage?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("putFile", () => {
  it("uploads a large file in parallel parts that read back byte for byte", async () => {
    const seen: Progress[] = [];
    const result = await client.putFile("uploads", "big.bin", bigPath, {
      partSize: 5 * MiB,
      concurrency: 3,
      contentType: "application/x-big",
      metadata: { parts: "5" },
      onProgress: (p) => seen.push(p),
    });
    // 21 MiB + 17 bytes in 5 MiB parts: five parts, S3-style etag "<md5 of md5s>-5".
    expect(result.size).toBe(big.length);
    expect(result.etag).toMatch(/^[0-9a-f]{32}-5$/);
    const info = await client.statObject("uploads", "big.bin");
    expect(info).toMatchObject({
      size: big.length,
      etag: result.etag,
      contentType: "application/x-big",
      metadata: { parts: "5" },
    });
    const back = await client.getObject("uploads", "big.bin");
    expect(createHash("sha256").update(back).digest("hex")).toBe(
      createHash("sha256").update(big).digest("hex"),
    );
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i]!.bytes).toBeGreaterThan(seen[i - 1]!.bytes);
    }
    expect(seen.at(-1)).toEqual({ bytes: big.length, total: big.length });
  });

  it("sends a file no larger than partSize in one putObject", async () => {
    const path = join(dir, "small.bin");
    const small = randomBytes(MiB);
    await writeFile(path, small);
    const result = await client.putFile("uploads", "small.bin", path);
    expect(result).toEqual({ etag: createHash("md5").update(small).digest("hex"), size: MiB });
  });

  it("refuses a part size under 5 MiB or a concurrency under 1 with InvalidArgumentError", async () => {
    await expect(client.putFile("uploads", "x", bigPath, { partSize: MiB })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(
      client.putFile("uploads", "x", bigPath, { concurrency: 0 }),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it("rejects a missing file with the file system's error", async () => {
    await expect(client.putFile("uploads", "x", join(dir, "missing"))).rejects.toMatchObject({
      code: "ENOENT",
    });
  });

  it("aborts the multipart upload when cancelled midway, leaving nothing behind", async () => {
    const before = await storage.files();
    const controller = new AbortController();
    const error = await rejectionOf(
      client.putFile("uploads", "cancelled.bin", bigPath, {
        partSize: 5 * MiB,
        concurrency: 2,
        signal: controller.signal,
        onProgress: ({ bytes }) => {
          if (bytes >= 6 * MiB) controller.abort();
        },
      }),
    );
    expect(isAbortError(error)).toBe(true);
    await expect(client.statObject("uploads", "cancelled.bin")).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect(await storage.files()).toEqual(before);
  });

  it("aborts the multipart upload when a part fails, leaving nothing behind", async () => {
    const before = await storage.files();
    const good = await storage.token("dave");
    // Calls in order with one part at a time: Initiate, part 1, part 2 (with a token
    // the service refuses), then Abort.
    let calls = 0;
    const flaky = new MinioClient({
      address: storage.address,
      token: () => (++calls === 3 ? "not-a-jwt" : good),
      transfer: "grpc",
    });
    try {
      const error = await rejectionOf(
        flaky.putFile("uploads", "failed.bin", bigPath, { partSize: 5 * MiB, concurrency: 1 }),
      );
      expect(error).toBeInstanceOf(UnauthenticatedError);
      expect(calls).toBe(4);
    } finally {
      flaky.close();
    }
    await expect(client.statObject("uploads", "failed.bin")).rejects.toBeInstanceOf(NotFoundError);
    expect(await storage.files()).toEqual(before);
  });
});
