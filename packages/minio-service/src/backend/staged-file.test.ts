import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stageBody } from "./staged-file.js";
import { WORKER_MIN_BYTES, writeWorkerJobs } from "./write-worker.js";

describe("stageBody", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "staged-file-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** `count` chunks of 1 byte to 64 KiB (a socket's reads), some after a turn of the loop. */
  function pieces(count: number): Buffer[] {
    return Array.from({ length: count }, (_, i) => randomBytes(1 + ((i * 7919) % (64 * 1024))));
  }

  it("writes a body of many small chunks whole and in order, with its MD5 and size", async () => {
    const chunks = pieces(400);
    const whole = Buffer.concat(chunks);
    const staged = await stageBody(
      dir,
      (async function* () {
        for (const [i, chunk] of chunks.entries()) {
          if (i % 3 === 0) await nextTurn(); // let writes finish between some chunks, not others
          yield chunk;
        }
      })(),
    );
    expect(staged.size).toBe(whole.length);
    expect(staged.md5).toBe(createHash("md5").update(whole).digest("hex"));
    expect((await readFile(staged.path)).equals(whole)).toBe(true);
  });

  const md5 = (bytes: Uint8Array) => createHash("md5").update(bytes).digest("hex");

  it("writes an empty body as an empty file, with the MD5 of nothing", async () => {
    const staged = await stageBody(dir, []);
    expect(staged.size).toBe(0);
    expect(staged.md5).toBe("d41d8cd98f00b204e9800998ecf8427e");
    expect((await readFile(staged.path)).length).toBe(0);
  });

  it("gives a tiny body its exact MD5", async () => {
    const staged = await stageBody(dir, [Buffer.from("x"), Buffer.from("yz")]);
    expect(staged.md5).toBe(md5(Buffer.from("xyz")));
    expect(await readFile(staged.path, "utf8")).toBe("xyz");
  });

  it("hashes a body of several MiB right when its chunks are slices of one pooled buffer", async () => {
    // gRPC messages and socket reads can be views into a larger buffer: the hash must copy
    // exactly each view's bytes, at each view's offset, not its whole backing memory.
    const backing = randomBytes(3 * WORKER_MIN_BYTES + 12345);
    const cuts = [0, 17, 700_001, WORKER_MIN_BYTES, 2 * WORKER_MIN_BYTES + 3, backing.length];
    const slices = cuts.slice(1).map((end, i) => backing.subarray(cuts[i], end));
    const staged = await stageBody(dir, slices);
    expect(staged.size).toBe(backing.length);
    expect(staged.md5).toBe(md5(backing));
    expect((await readFile(staged.path)).equals(backing)).toBe(true);
    expect(writeWorkerJobs()).toBe(0);
  });

  it("gives each of many concurrent bodies its own MD5", async () => {
    const bodies = Array.from({ length: 12 }, (_, i) =>
      Array.from({ length: 8 + i }, (_, j) =>
        randomBytes(200_000 + ((i * 31 + j * 7) % 97) * 1000),
      ),
    );
    const expected = bodies.map((chunks) => md5(Buffer.concat(chunks))); // before they are handed over
    const staged = await Promise.all(
      bodies.map((chunks) =>
        stageBody(
          dir,
          (async function* () {
            for (const chunk of chunks) {
              await nextTurn(); // the bodies' chunks interleave
              yield chunk;
            }
          })(),
        ),
      ),
    );
    for (const [i, md5] of expected.entries()) expect(staged[i]?.md5).toBe(md5);
    expect(writeWorkerJobs()).toBe(0);
  });

  it("takes over a chunk that is its buffer's only view, and copies a slice of a larger one", async () => {
    // gRPC messages and socket reads are buffers of their own (but for a message header in
    // front): the worker takes their memory instead of a copy. A slice of a pooled buffer
    // must be copied, and the pool left whole.
    const own = randomBytes(WORKER_MIN_BYTES);
    const headed = Buffer.concat([Buffer.from([0, 0, 16, 0, 0, 0x12, 0x80, 0x80, 0x40]), own]);
    const message = headed.subarray(9);
    const pool = randomBytes(4 * WORKER_MIN_BYTES);
    const slice = pool.subarray(WORKER_MIN_BYTES, 2 * WORKER_MIN_BYTES);
    const whole = Buffer.concat([own, message, slice]);
    const staged = await stageBody(dir, [own, message, slice]);
    expect(staged.md5).toBe(md5(whole));
    expect((await readFile(staged.path)).equals(whole)).toBe(true);
    expect([own.byteLength, message.byteLength, slice.byteLength]).toEqual([
      0,
      0,
      WORKER_MIN_BYTES,
    ]);
    expect(pool.byteLength).toBe(4 * WORKER_MIN_BYTES);
  });

  it("copies a chunk that a later chunk of the same buffer follows, so neither is lost", async () => {
    // A chunked HTTP body can split one socket read into two chunks around a chunk header:
    // the first must not be transferred, or the second would read as empty.
    const read = randomBytes(WORKER_MIN_BYTES + 40);
    const first = read.subarray(0, WORKER_MIN_BYTES);
    const second = read.subarray(WORKER_MIN_BYTES + 8);
    const whole = Buffer.concat([first, second]);
    const staged = await stageBody(dir, [first, second]);
    expect(staged.size).toBe(whole.byteLength);
    expect(staged.md5).toBe(md5(whole));
    expect((await readFile(staged.path)).equals(whole)).toBe(true);
    expect(read.byteLength).toBe(WORKER_MIN_BYTES + 40);
  });

  it("skips the MD5 when asked, small or large, and still writes every byte", async () => {
    for (const size of [10, 3 * WORKER_MIN_BYTES + 5]) {
      const body = randomBytes(size);
      const staged = await stageBody(dir, [body.subarray(0, 7), Buffer.from(body.subarray(7))], {
        md5: false,
      });
      expect(staged).not.toHaveProperty("md5", expect.any(String));
      expect(staged.size).toBe(size);
      expect((await readFile(staged.path)).equals(body)).toBe(true);
    }
    expect(writeWorkerJobs()).toBe(0);
  });

  it("removes the file and rethrows when the body fails midway", async () => {
    const chunks = pieces(50);
    const failing = (async function* () {
      yield* chunks;
      throw new Error("connection cut");
    })();
    await expect(stageBody(dir, failing)).rejects.toThrow("connection cut");
    expect(await readdir(dir)).toEqual([]);
    expect(writeWorkerJobs()).toBe(0); // past WORKER_MIN_BYTES, so a job had started
  });

  it("drops a failed body's hash job while others go on", async () => {
    const good = pieces(60);
    const goodMd5 = md5(Buffer.concat(good));
    const [failed, done] = await Promise.allSettled([
      stageBody(
        dir,
        (async function* () {
          for (const chunk of pieces(60)) {
            await nextTurn();
            yield chunk;
          }
          throw new Error("client went away");
        })(),
      ),
      stageBody(
        dir,
        (async function* () {
          for (const chunk of good) {
            await nextTurn();
            yield chunk;
          }
        })(),
      ),
    ]);
    expect(failed).toMatchObject({ status: "rejected", reason: { message: "client went away" } });
    expect(done).toMatchObject({ status: "fulfilled", value: { md5: goodMd5 } });
    expect(writeWorkerJobs()).toBe(0);
    expect(await readdir(dir)).toHaveLength(1);
  });

  it("fails with ENOENT and leaves nothing when the directory is missing", async () => {
    await expect(stageBody(join(dir, "missing"), [Buffer.from("x")])).rejects.toMatchObject({
      code: "ENOENT",
    });
    expect(await readdir(dir)).toEqual([]);
  });
});
