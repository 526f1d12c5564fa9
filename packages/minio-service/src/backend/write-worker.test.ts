import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { workerWrite, writeWorkerJobs } from "./write-worker.js";

const md5 = (bytes: Uint8Array) => createHash("md5").update(bytes).digest("hex");

describe("workerWrite", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "write-worker-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes and hashes chunks of any size, in order, across batches", async () => {
    const chunks = [1, 70_000, 1024 * 1024, 3, 2 * 1024 * 1024 + 5, 0, 512 * 1024].map((n) =>
      randomBytes(n),
    );
    const whole = Buffer.concat(chunks);
    const file = await open(join(dir, "body"), "w");
    const write = workerWrite(file.fd);
    for (const chunk of chunks) {
      write.push(chunk);
      await write.room();
    }
    expect(await write.end()).toBe(md5(whole));
    await file.close();
    expect((await readFile(join(dir, "body"))).equals(whole)).toBe(true);
    expect(writeWorkerJobs()).toBe(0);
  });

  it("fails with the write's error code when the file cannot be written", async () => {
    await writeFile(join(dir, "read-only"), "");
    const file = await open(join(dir, "read-only"), "r");
    const write = workerWrite(file.fd);
    write.push(randomBytes(1024 * 1024));
    await expect(
      (async () => {
        await write.room();
        return write.end();
      })(),
    ).rejects.toMatchObject({ code: "EBADF" });
    await write.cancel(); // harmless once settled
    await file.close();
    expect(writeWorkerJobs()).toBe(0);
  });

  it("settles a cancel only once no write of the job runs, and others go on", async () => {
    const file = await open(join(dir, "cut"), "w");
    const other = await open(join(dir, "other"), "w");
    const cut = workerWrite(file.fd);
    const goes = workerWrite(other.fd);
    const body = randomBytes(3 * 1024 * 1024);
    const expected = md5(body);
    for (let i = 0; i < 3; i++) cut.push(randomBytes(1024 * 1024));
    goes.push(body);
    await cut.cancel();
    await file.close(); // safe: nothing of the cancelled job writes any more
    expect(await goes.end()).toBe(expected);
    await other.close();
    expect(writeWorkerJobs()).toBe(0);
  });
});
