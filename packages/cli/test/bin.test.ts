import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startTestStack, stopChildren, type TestStack } from "@isa-cloud/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { inProcessIsa } from "./in-process.js";
import { spawnIsa, spawnIsaPty } from "./spawn-isa.js";

// The built `isa` bin as a child process (pipes, signals, threads, a terminal are the
// point), against one stack in this process. A child loads gRPC and DuckDB's client on
// a loaded 2-core machine: generous timeouts, no timing assertions.
const SLOW = 120_000;
let stack: TestStack;
let cwd: string;
let env: Record<string, string>;

beforeAll(async () => {
  stack = await startTestStack();
  cwd = join(stack.dir, "client");
  await mkdir(cwd);
  const isa = inProcessIsa(stack, cwd);
  expect((await isa.login()).code).toBe(0);
  expect((await isa.run(["mb", "data"])).code).toBe(0);
  env = isa.env();
});
afterEach(stopChildren);
afterAll(async () => {
  await stack?.close();
});

const options = () => ({ cwd, env, inheritEnv: false });

describe("the isa bin", () => {
  it(
    "writes every byte into a pipe before exiting (no cut at 64 KiB)",
    async () => {
      const csv = spawnIsa(
        ["query", "SELECT i, repeat('x', 40) AS pad FROM range(10000) t(i)"],
        options(),
      );
      expect(await csv.exited).toBe(0);
      expect(csv.stdout().length).toBeGreaterThan(400_000);
      expect(csv.stdout().trim().split("\r\n")).toHaveLength(10_001);
      const json = spawnIsa(["query", "SELECT * FROM range(20000) t(i)", "--json"], options());
      expect(await json.exited).toBe(0);
      expect(JSON.parse(json.stdout())).toMatchObject({ row_count: 20_000, truncated: false });
    },
    SLOW,
  );

  it(
    "runs with libuv's pool at 16 threads (UV_THREADPOOL_SIZE set before node sizes it), or the user's size",
    async () => {
      /** Threads of an `isa sql` that has answered a query (the pool is up by then). */
      const threads = async (extra: Record<string, string>) => {
        const shell = spawnIsa(["sql"], { ...options(), env: { ...env, ...extra }, stdin: "pipe" });
        shell.write("SELECT 1 AS ready;\n");
        await shell.waitFor("ready", SLOW);
        const count = (await readdir(`/proc/${shell.process.pid}/task`)).length;
        shell.endInput();
        expect(await shell.exited).toBe(0);
        return count;
      };
      // Every thread but the pool's is the same in both; the pool is 16 against the 4 asked for.
      expect((await threads({})) - (await threads({ UV_THREADPOOL_SIZE: "4" }))).toBe(12);
    },
    2 * SLOW,
  );

  it(
    "writes a download to stdout with -, not to a file named -",
    async () => {
      await writeFile(join(cwd, "hello.txt"), "hello\n");
      expect(await spawnIsa(["upload", "hello.txt"], options()).exited).toBe(0);
      const cat = spawnIsa(["download", "hello.txt", "-"], options());
      expect(await cat.exited).toBe(0);
      expect(cat.stdout()).toBe("hello\n");
      expect(existsSync(join(cwd, "-"))).toBe(false);
    },
    SLOW,
  );

  it(
    "on Ctrl-C during a download: exits 130, shows the cursor again, leaves no file behind",
    async () => {
      await writeFile(join(cwd, "big.bin"), Buffer.alloc(256 * 1024 * 1024, 7));
      expect(await spawnIsa(["upload", "big.bin", "--quiet"], options()).exited).toBe(0);
      await mkdir(join(cwd, "dl"));
      const download = spawnIsaPty(["download", "big.bin", "dl/big.bin"], options());
      // The bar has hidden the cursor once it shows.
      await download.waitFor("\x1b[?25l", SLOW);
      download.write("\x03");
      expect(await download.exited).toBe(130);
      const after = download.output().slice(download.output().indexOf("\x1b[?25l"));
      expect(after).toContain("\x1b[?25h");
      expect(download.output()).toContain("interrupted");
      expect(await readdir(join(cwd, "dl"))).toEqual([]);
    },
    SLOW,
  );
});

describe("isa sql in a terminal", () => {
  it(
    "cancels a running statement on Ctrl-C and keeps the shell; history persists",
    async () => {
      const shell = spawnIsaPty(["sql"], { ...options(), columns: 100 });
      await shell.waitFor("isa> ", SLOW);
      shell.write("SELECT 21 * 2\r");
      await shell.waitFor("...> ", SLOW);
      shell.write("  AS answer;\r");
      await shell.waitFor(/│\s+42 │/, SLOW);
      shell.write("SELECT count(*) FROM range(100000000000) a;\r");
      // Let the statement reach the server, then interrupt it.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      shell.write("\x03");
      await shell.waitFor("cancelled (the server stopped the statement)", SLOW);
      shell.write("SELECT 'still here' AS s;\r");
      await shell.waitFor("still here │", SLOW);
      shell.write(".quit\r");
      expect(await shell.exited).toBe(0);
      const history = await readFile(join(cwd, "state", "isa", "history"), "utf8");
      expect(history).toContain("SELECT 21 * 2\n  AS answer;\n");
      // The next shell starts with it: arrow-up brings back the last line, which runs.
      const next = spawnIsaPty(["sql"], options());
      await next.waitFor("isa> ", SLOW);
      next.write("\x1b[A");
      await next.waitFor(".quit", SLOW);
      next.write("\r");
      expect(await next.exited).toBe(0);
    },
    2 * SLOW,
  );

  it(
    "asks before a recursive delete, and deletes nothing on no",
    async () => {
      await writeFile(join(cwd, "a.txt"), "a");
      expect(await spawnIsa(["cp", "a.txt", "isa://data/tmp/a.txt"], options()).exited).toBe(0);
      const rm = spawnIsaPty(["rm", "-r", "data/tmp/"], options());
      await rm.waitFor("delete 1 objects under isa://data/tmp/? [y/N]", SLOW);
      rm.write("n\r");
      expect(await rm.exited).toBe(0);
      expect(rm.output()).toContain("nothing deleted");
      const ls = spawnIsa(["ls", "-r", "data/tmp/"], options());
      expect(await ls.exited).toBe(0);
      expect(ls.stdout()).toContain("tmp/a.txt");
    },
    SLOW,
  );
});
