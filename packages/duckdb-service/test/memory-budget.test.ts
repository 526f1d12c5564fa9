import { Status } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DuckdbClient, rowsOf, Stack } from "./harness.js";

// 1 GB over 4 open databases: each may use 250 MB and 1 of the 4 threads.
let stack: Stack;
let alice: DuckdbClient;

beforeAll(async () => {
  stack = await Stack.start({ totalMemoryBytes: 1000 ** 3, totalThreads: 4, maxOpenDatabases: 4 });
  alice = await stack.client("alice");
});

afterAll(async () => {
  await stack.stop();
});

describe("the process-wide memory and thread budget", () => {
  it("refuses a CreateDatabase config above one database's share with INVALID_ARGUMENT and creates nothing", async () => {
    for (const config of [{ memory_limit: "512MB" }, { threads: "2" }]) {
      await expect(alice.createDatabase({ databaseName: "greedy", config })).rejects.toMatchObject({
        code: Status.INVALID_ARGUMENT,
        details: expect.stringMatching(
          /DUCKDB_TOTAL_(MEMORY|THREADS) \/ DUCKDB_MAX_OPEN_DATABASES/,
        ),
      });
    }
    expect((await alice.listDatabases({ nameFilter: "greedy" })).databases).toEqual([]);
  });

  it("opens a database created without config with the defaults lowered to its share", async () => {
    await alice.createDatabase({ databaseName: "modest" });
    const settings = await alice.executeQuery({
      databaseId: "modest",
      query: "SELECT current_setting('threads'), current_setting('memory_limit')",
    });
    const [threads, memory] = rowsOf(settings)[0] as [bigint, string];
    expect(threads).toBe(1n);
    // DuckDB reports 250MB in binary units.
    expect(memory).toBe("238.4 MiB");
  });

  it("accepts a config within the share", async () => {
    await alice.createDatabase({ databaseName: "fits", config: { memory_limit: "200MB" } });
    const settings = await alice.executeQuery({
      databaseId: "fits",
      query: "SELECT current_setting('memory_limit')",
    });
    expect(rowsOf(settings)).toEqual([["190.7 MiB"]]);
  });
});
