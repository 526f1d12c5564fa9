import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stageBody } from "./staged-file.js";

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

  it("writes an empty body as an empty file", async () => {
    const staged = await stageBody(dir, []);
    expect(staged.size).toBe(0);
    expect((await readFile(staged.path)).length).toBe(0);
  });

  it("removes the file and rethrows when the body fails midway", async () => {
    const chunks = pieces(50);
    const failing = (async function* () {
      yield* chunks;
      throw new Error("connection cut");
    })();
    await expect(stageBody(dir, failing)).rejects.toThrow("connection cut");
    expect(await readdir(dir)).toEqual([]);
  });

  it("fails with ENOENT and leaves nothing when the directory is missing", async () => {
    await expect(stageBody(join(dir, "missing"), [Buffer.from("x")])).rejects.toMatchObject({
      code: "ENOENT",
    });
    expect(await readdir(dir)).toEqual([]);
  });
});
