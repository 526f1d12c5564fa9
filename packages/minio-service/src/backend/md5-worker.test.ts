import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { md5Stream, md5WorkerJobs } from "./md5-worker.js";

const md5 = (bytes: Uint8Array) => createHash("md5").update(bytes).digest("hex");

describe("md5Stream", () => {
  it("hashes tiny bodies in the worker when told to, and an empty one here", async () => {
    for (const body of [Buffer.from("a"), randomBytes(3), randomBytes(65_537)]) {
      const hash = md5Stream(0);
      hash.update(body);
      await hash.room();
      expect(await hash.digest()).toBe(md5(body));
    }
    expect(await md5Stream(0).digest()).toBe(md5(Buffer.alloc(0)));
    expect(md5WorkerJobs()).toBe(0);
  });

  it("hashes a body that fills whole slots exactly", async () => {
    const body = randomBytes(4 * 1024 * 1024);
    const hash = md5Stream(0);
    for (let at = 0; at < body.length; at += 512 * 1024) {
      hash.update(body.subarray(at, at + 512 * 1024));
      await hash.room();
    }
    expect(await hash.digest()).toBe(md5(body));
  });

  it("forgets a cancelled job, and a cancel after the digest is harmless", async () => {
    const cancelled = md5Stream(0);
    cancelled.update(randomBytes(3 * 1024 * 1024 + 1));
    cancelled.cancel();
    await expect(cancelled.room()).rejects.toThrow("cancelled");
    expect(md5WorkerJobs()).toBe(0);

    const finished = md5Stream(0);
    finished.update(Buffer.from("done"));
    expect(await finished.digest()).toBe(md5(Buffer.from("done")));
    finished.cancel();
    expect(md5WorkerJobs()).toBe(0);
  });
});
