import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { type ApiHandle, apiConfigFromEnv, startApi } from "@isa-cloud/api";
import { startTestStack, type TestStack } from "@isa-cloud/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inProcessIsa } from "./in-process.js";

// `isa demo` is the one command that still goes through the HTTP API: the services and
// the API in this process, a real socket.
let stack: TestStack;
let api: ApiHandle;
let isa: ReturnType<typeof inProcessIsa>;

beforeAll(async () => {
  stack = await startTestStack();
  api = await startApi(apiConfigFromEnv({ ...stack.env, API_PORT: "0" }));
  const cwd = join(stack.dir, "client");
  await mkdir(cwd);
  isa = inProcessIsa(stack, cwd);
  expect((await isa.login()).code).toBe(0);
});

afterAll(async () => {
  await api?.close();
  await stack?.close();
});

describe("isa demo", () => {
  it("loads sample events, analyses them and stores a report, which the storage commands then see", async () => {
    const demo = await isa.run(["demo", "--events", "200", "--api", api.url]);
    expect(demo.code).toBe(0);
    expect(demo.out).toContain("imported 200 events into user_events");
    expect(demo.out).toContain("page_view");
    expect(demo.out).toContain("stored report reports/daily_summary_2024-01-15.json");
    const query = await isa.run([
      "query",
      "SELECT count(*) AS n FROM user_events",
      "--format",
      "csv",
    ]);
    expect(query.out).toBe("n\r\n200\r\n");
    expect(
      (await isa.run(["download", "reports/daily_summary_2024-01-15.json", "-"])).out,
    ).toContain('"report_type":"daily_summary"');
  });

  it("says where it looked when the API is not there", async () => {
    const down = await isa.run(["demo", "--api", "http://127.0.0.1:1"]);
    expect(down.code).toBe(1);
    expect(down.err).toContain("cannot reach the API at http://127.0.0.1:1");
  });
});
