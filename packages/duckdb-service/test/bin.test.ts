import { type ChildProcess, spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf, SECRET, Stack } from "./harness.js";

const BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url));

let stack: Stack;

beforeAll(async () => {
  stack = await Stack.start();
  // The bin serves this data directory now; the in-process service comes back later.
  await stack.service.close();
});

afterAll(async () => {
  await stack.stop();
});

function startBin(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, [BIN], {
    env: {
      ...process.env,
      DUCKDB_GRPC_HOST: "127.0.0.1",
      DUCKDB_GRPC_PORT: "0",
      ISA_DATA_DIR: stack.dir,
      MINIO_GRPC_HOST: "127.0.0.1",
      MINIO_GRPC_PORT: String(stack.storage.port),
      ISA_JWT_SECRET: SECRET,
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d) => {
    output += d;
  });
  child.stderr?.on("data", (d) => {
    output += d;
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  return { child, output: () => output, exited };
}

async function listeningPort(output: () => string): Promise<number> {
  for (let i = 0; i < 400; i++) {
    const match =
      /"msg":"analytics service started"/.test(output()) && /"port":(\d+)/.exec(output());
    if (match) return Number(match[1]);
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`the bin did not start:\n${output()}`);
}

describe("isa-duckdb-service bin", () => {
  it("starts from the environment and checkpoints every open database on SIGTERM", async () => {
    const bin = startBin({});
    const port = await listeningPort(bin.output);
    stack.service = { port, close: async () => {} };
    const alice = await stack.client("alice");
    await alice.createDatabase({ databaseName: "from-bin" });
    await alice.executeStatement({
      databaseId: "from-bin",
      statement: "CREATE TABLE t AS SELECT 'saved at shutdown' AS v",
    });
    bin.child.kill("SIGTERM");
    expect(await bin.exited).toBe(0);

    await rm(stack.cacheDir, { recursive: true, force: true });
    await stack.startService();
    const again = await stack.client("alice");
    expect(
      rowsOf(await again.executeQuery({ databaseId: "from-bin", query: "SELECT v FROM t" })),
    ).toEqual([["saved at shutdown"]]);
    await stack.service.close();
  });

  it("exits with a message naming a bad variable", async () => {
    const bin = startBin({ DUCKDB_GRPC_PORT: "not-a-port" });
    expect(await bin.exited).toBe(2);
    expect(bin.output()).toContain("DUCKDB_GRPC_PORT");
  });
});
