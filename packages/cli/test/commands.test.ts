import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type ApiHandle, apiConfigFromEnv, startApi } from "@isa-cloud/api";
import { startTestStack, type TestStack } from "@isa-cloud/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../src/program.js";
import { memoryIo } from "./memory-io.js";

// The client commands against a real API over a socket (they are HTTP clients), with
// the services and the API in this process: no child process is the point here.
let stack: TestStack;
let api: ApiHandle;
let cwd: string;

beforeAll(async () => {
  stack = await startTestStack();
  api = await startApi(apiConfigFromEnv({ ...stack.env, API_PORT: "0" }));
  cwd = join(stack.dir, "client");
  await mkdir(cwd);
});

afterAll(async () => {
  await api?.close();
  await stack?.close();
});

/** `isa ...args` in this process, with a token for `--user` minted from the stack's secret. */
async function isa(...args: string[]) {
  const { io, out, err } = memoryIo({ ISA_API_URL: api.url, ISA_JWT_SECRET: stack.secret }, cwd);
  const code = await run(args, io);
  return { code, out: out(), err: err() };
}

describe("client commands", () => {
  it("upload a file and download it again, byte for byte", async () => {
    await writeFile(join(cwd, "notes.txt"), "some notes\n");
    const upload = await isa("upload", "notes.txt", "docs/notes.txt");
    expect(upload).toMatchObject({
      code: 0,
      out: expect.stringContaining("stored docs/notes.txt"),
    });
    expect((await isa("download", "docs/notes.txt", "copy.txt")).code).toBe(0);
    expect(await readFile(join(cwd, "copy.txt"), "utf8")).toBe("some notes\n");
  });

  it("run the demo: sample events imported, analysed and stored as a report", async () => {
    const demo = await isa("demo", "--events", "200");
    expect(demo.code).toBe(0);
    expect(demo.out).toContain("imported 200 events into user_events");
    expect(demo.out).toContain("page_view");
    expect(demo.out).toContain("stored report reports/daily_summary_2024-01-15.json");
  });

  it("query with a parameter and print the rows as a table", async () => {
    const query = await isa(
      "query",
      "SELECT count(*) AS n FROM user_events WHERE date >= CAST($d AS DATE)",
      "-p",
      "d=2024-01-01",
    );
    expect(query.code).toBe(0);
    expect(query.out).toMatch(/│ 200 +│/);
    expect(query.out).toContain("1 row");
  });

  it("exit 1 with the API's status for a query that writes", async () => {
    const refused = await isa("query", "DROP TABLE user_events");
    expect(refused.code).toBe(1);
    // The status, and the reason as the API gave it.
    expect(refused.err).toMatch(/^isa: 400 .*read-only/);
  });

  it("cannot reach another user's files", async () => {
    const other = await isa("download", "docs/notes.txt", "x.txt", "--user", "mallory");
    expect(other.code).toBe(1);
    expect(other.err).toContain("404");
  });
});
