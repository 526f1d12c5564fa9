import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startTestStack, type TestStack } from "@isa-cloud/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inProcessIsa } from "./in-process.js";

// The storage commands in this process against one real storage service for the file
// (the commands are gRPC clients: no child process is the point here).
let stack: TestStack;
let cwd: string;
let isa: ReturnType<typeof inProcessIsa>;

beforeAll(async () => {
  stack = await startTestStack();
  cwd = join(stack.dir, "client");
  await mkdir(join(cwd, "site", "sub"), { recursive: true });
  for (const n of [1, 2, 3]) await writeFile(join(cwd, "site", `f${n}.txt`), `file ${n}\n`);
  await writeFile(join(cwd, "site", "sub", "deep.txt"), "deep\n");
  isa = inProcessIsa(stack, cwd);
  expect(await isa.login()).toMatchObject({
    code: 0,
    out: expect.stringContaining("signed in to"),
  });
  expect((await isa.run(["mb", "data"])).code).toBe(0);
});

afterAll(async () => {
  await stack?.close();
});

const run = (...args: string[]) => isa.run(args);

describe("storage commands", () => {
  it("upload and download a file byte for byte, by name", async () => {
    await writeFile(join(cwd, "notes.txt"), "some notes\n");
    expect(await run("upload", "notes.txt", "docs/notes.txt")).toMatchObject({
      code: 0,
      out: expect.stringContaining("isa://data/docs/notes.txt"),
    });
    expect((await run("download", "docs/notes.txt", "copy.txt")).code).toBe(0);
    expect(await readFile(join(cwd, "copy.txt"), "utf8")).toBe("some notes\n");
  });

  it("refuse names with . or .. segments instead of storing another name", async () => {
    for (const name of ["../x", "a/../b.csv", "./c.csv"]) {
      const result = await run("upload", "notes.txt", name);
      expect(result.code).toBe(2);
      expect(result.err).toContain('must not contain empty, "." or ".." path segments');
    }
    expect((await run("cp", "notes.txt", "isa://data/a/../b.csv")).code).toBe(2);
    expect((await run("ls", "-r", "data")).out).not.toMatch(/b\.csv|c\.csv|\bx\b/);
  });

  it("download into a folder, to stdout with -, and explain a missing folder", async () => {
    await mkdir(join(cwd, "into"));
    expect((await run("download", "docs/notes.txt", "into/")).code).toBe(0);
    expect(await readFile(join(cwd, "into", "notes.txt"), "utf8")).toBe("some notes\n");
    const toStdout = await run("download", "docs/notes.txt", "-");
    expect(toStdout).toMatchObject({ code: 0, out: "some notes\n" });
    expect(await readdir(cwd)).not.toContain("-");
    const missing = await run("download", "docs/notes.txt", "nowhere/x.txt");
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("the folder");
    expect(missing.err).toContain("nowhere does not exist");
    expect(missing.err).not.toMatch(/ENOENT|\.download/);
  });

  it("cp -r a folder up, list it, and cp -r it back down and between prefixes", async () => {
    const up = await run("cp", "-r", "site", "isa://data/site");
    expect(up).toMatchObject({ code: 0, out: expect.stringContaining("copied 4 files") });
    const listing = await run("ls", "data/site/");
    expect(listing.out).toMatch(/f1\.txt/);
    expect(listing.out).toMatch(/PRE site\/sub\//);
    const json = (await run("ls", "-r", "data/site", "--json")).out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(json.map((e) => e.key)).toEqual([
      "site/f1.txt",
      "site/f2.txt",
      "site/f3.txt",
      "site/sub/deep.txt",
    ]);
    expect(json[0]).toMatchObject({
      size: 7,
      etag: expect.any(String),
      last_modified: expect.any(String),
    });
    expect((await run("cp", "-r", "isa://data/site", "down")).code).toBe(0);
    expect(await readFile(join(cwd, "down", "sub", "deep.txt"), "utf8")).toBe("deep\n");
    expect((await run("cp", "-r", "isa://data/site/", "isa://data/copy/")).code).toBe(0);
    expect((await run("cat", "data/copy/sub/deep.txt")).out).toBe("deep\n");
    expect((await run("cp", "isa://data/copy/f1.txt", "isa://data/single.txt")).code).toBe(0);
    expect((await run("stat", "data/single.txt")).out).toMatch(/Size +: 7 B \(7 bytes\)/);
  });

  it("mirror copies only what changed, --dry-run does nothing, --delete removes extras", async () => {
    await run("mirror", "site", "isa://data/m");
    const again = await run("mirror", "site", "isa://data/m");
    expect(again.out).toContain("mirrored 0 files");
    expect(again.out).toContain("4 unchanged");
    // Same size, other content: the MD5 tells.
    await writeFile(join(cwd, "site", "f2.txt"), "FILE 2\n");
    await writeFile(join(cwd, "site", "new.txt"), "new\n");
    const dry = await run("mirror", "site", "isa://data/m", "--dry-run", "--delete");
    expect(dry.out).toContain("2 to copy, 0 to delete, 3 unchanged (dry run");
    expect((await run("cat", "data/m/f2.txt")).out).toBe("file 2\n");
    await writeFile(join(cwd, "site", "f3.txt"), "file 3\n");
    await rm(join(cwd, "site", "f3.txt"));
    const real = await run("sync", "site", "isa://data/m", "--delete");
    expect(real.code).toBe(0);
    expect(real.out).toContain("mirrored 2 files");
    expect(real.out).toContain("1 deleted");
    expect((await run("cat", "data/m/f2.txt")).out).toBe("FILE 2\n");
    const down = await run("mirror", "isa://data/m", "mirror-down");
    expect(down.out).toContain("mirrored 4 files");
    expect((await run("mirror", "isa://data/m", "mirror-down")).out).toContain("4 unchanged");
  });

  it("rm one object, rm -r needs --force outside a terminal, rb --force", async () => {
    expect((await run("rm", "data/single.txt")).code).toBe(0);
    const gone = await run("rm", "data/single.txt");
    expect(gone.code).toBe(1);
    expect(gone.err).toContain("NotFound");
    expect((await run("rm", "--force", "data/single.txt")).code).toBe(0);
    const asks = await run("rm", "-r", "data/copy/");
    expect(asks.code).toBe(2);
    expect(asks.err).toContain("needs --force when not run in a terminal");
    expect((await run("rm", "-r", "--force", "data/copy/")).out).toContain("removed 4 objects");
    expect((await run("rm", "data/copy/")).code).toBe(2);
    expect((await run("mb", "scratch")).code).toBe(0);
    expect((await run("mb", "scratch")).code).toBe(1);
    expect((await run("mb", "-p", "scratch")).code).toBe(0);
    await run("upload", "notes.txt", "x.txt");
    expect((await run("cp", "notes.txt", "isa://scratch/x")).code).toBe(0);
    expect((await run("rb", "scratch")).code).toBe(1);
    expect((await run("rb", "scratch", "--force")).out).toContain(
      "removed bucket scratch and 1 objects",
    );
  });

  it("presign GET and PUT URLs that work without a token, and share one", async () => {
    const get = (await run("presign", "data/docs/notes.txt", "--expires", "5m")).out.trim();
    expect(await (await fetch(get)).text()).toBe("some notes\n");
    const put = (await run("presign", "--put", "data/docs/put.txt")).out.trim();
    expect((await fetch(put, { method: "PUT", body: "via url" })).ok).toBe(true);
    expect((await run("cat", "data/docs/put.txt")).out).toBe("via url");
    const share = await run("share", "data/docs/notes.txt", "--expires", "1d");
    expect(share.out).toMatch(/^URL +: http/m);
    expect(share.out).toContain("curl -fsSLo 'notes.txt'");
    expect((await run("presign", "data/docs/notes.txt", "--expires", "30d")).code).toBe(2);
  });

  it("stat a bucket and an object as JSON", async () => {
    expect(JSON.parse((await run("stat", "data", "--json")).out)).toMatchObject({
      bucket: "data",
      objects: expect.any(Number),
    });
    expect(JSON.parse((await run("stat", "data/docs/notes.txt", "--json")).out)).toMatchObject({
      key: "docs/notes.txt",
      size: 11,
    });
  });

  it("fail clearly, with exit codes, on bad input", async () => {
    const cases: Array<[string[], number, RegExp]> = [
      [["upload", "missing.txt"], 2, /missing\.txt does not exist/],
      [["cp", "site", "isa://data/x"], 2, /is a folder: use -r/],
      [["cp", "isa://data/site/", "x"], 2, /names a folder: use -r/],
      [["cp", "a", "b"], 2, /does not exist|both paths are local/],
      [["cp", "isa://data/none.txt", "x.txt"], 1, /NotFound/],
      [["cat", "data/none.txt"], 1, /NotFound/],
      [["ls", "nobucket"], 1, /NotFound/],
      [["ls", "Bad_Name"], 2, /not a bucket name/],
      [["stat", "data/none"], 1, /NotFound/],
      [["mirror", "nope", "isa://data/x"], 2, /nope is not a folder/],
      [["cp", "-j", "0", "-r", "site", "isa://data/x"], 2, /--jobs takes 1 to 64/],
      [["presign", "data"], 2, /not an object/],
    ];
    for (const [args, code, message] of cases) {
      const result = await run(...args);
      expect({ args, code: result.code }).toEqual({ args, code });
      expect(result.err).toMatch(message);
    }
  });

  it("name the endpoint and where it came from when the storage is down", async () => {
    const down = await isa.run(["ls"], { env: { ISA_STORAGE_ADDRESS: "127.0.0.1:1" } });
    expect(down.code).toBe(1);
    expect(down.err).toContain("cannot reach storage at 127.0.0.1:1 (env ISA_STORAGE_ADDRESS)");
    expect(down.err).toContain("overrides storage of profile test");
  });

  it("leave neither the file nor a temporary file when a download is interrupted", async () => {
    await writeFile(join(cwd, "big.bin"), Buffer.alloc(32 * 1024 * 1024, 1));
    expect((await run("upload", "big.bin")).code).toBe(0);
    await mkdir(join(cwd, "dl"));
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("SIGINT")), 50);
    const result = await isa.run(["download", "big.bin", "dl/big.bin"], {
      signal: controller.signal,
    });
    expect(result.code).toBe(130);
    expect(result.err).toContain("interrupted");
    expect(await readdir(join(cwd, "dl"))).toEqual([]);
  });

  it("keeps the config as it was when isa login cannot reach the storage", async () => {
    const config = join(cwd, "config", "isa", "config.json");
    const before = await readFile(config, "utf8");
    const failed = await run(
      "login",
      "--profile",
      "broken",
      "--storage",
      "127.0.0.1:1",
      "--user",
      "x",
    );
    expect(failed.code).toBe(1);
    expect(failed.err).toContain("cannot reach storage at 127.0.0.1:1 (profile broken)");
    expect(await readFile(config, "utf8")).toBe(before);
  });

  it("another user reaches none of these files", async () => {
    const other = await isa.run(["download", "docs/notes.txt", "x.txt", "--user", "mallory"]);
    expect(other.code).toBe(1);
    expect(other.err).toMatch(/NotFound/);
  });
});
