import { Status } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DuckdbClient, rowsOf, Stack } from "./harness.js";

let stack: Stack;
let alice: DuckdbClient;
let bob: DuckdbClient;

beforeAll(async () => {
  stack = await Stack.start();
  alice = await stack.client("alice");
  bob = await stack.client("bob");
});

afterAll(async () => {
  await stack.stop();
});

describe("databases", () => {
  it("creates a database and reports it with its metadata", async () => {
    const created = await alice.createDatabase({
      databaseName: "user-alice-analytics",
      metadata: { purpose: "tests" },
      config: { memory_limit: "256MB", threads: "1" },
    });
    expect(created.success).toBe(true);
    expect(created.databaseInfo).toMatchObject({
      databaseId: "user-alice-analytics",
      userId: "alice",
      metadata: { purpose: "tests" },
    });
    expect(created.databaseInfo?.minioPath).toMatch(
      /^databases\/user-[0-9a-f]+\/user-alice-analytics\/gen-0+1-[0-9a-f]{12}\/database\.duckdb$/,
    );
  });

  it("refuses a second database of the same name with ALREADY_EXISTS", async () => {
    await alice.createDatabase({ databaseName: "dup" });
    await expect(alice.createDatabase({ databaseName: "dup" })).rejects.toMatchObject({
      code: Status.ALREADY_EXISTS,
    });
  });

  it("refuses bad names and bad config with INVALID_ARGUMENT and creates nothing", async () => {
    for (const databaseName of ["", "a/b", "../x", "x".repeat(129)]) {
      await expect(alice.createDatabase({ databaseName })).rejects.toMatchObject({
        code: Status.INVALID_ARGUMENT,
      });
    }
    for (const config of [
      { memory_limit: "lots" },
      { threads: "0" },
      { threads: "999" },
      { bogus: "1" },
    ]) {
      await expect(alice.createDatabase({ databaseName: "badcfg", config })).rejects.toMatchObject({
        code: Status.INVALID_ARGUMENT,
      });
    }
    const list = await alice.listDatabases({ nameFilter: "badcfg" });
    expect(list.totalCount).toBe(0);
  });

  it("rejects a user_id other than the token's with PERMISSION_DENIED", async () => {
    await expect(alice.createDatabase({ databaseName: "x", userId: "bob" })).rejects.toMatchObject({
      code: Status.PERMISSION_DENIED,
    });
    await expect(
      alice.executeQuery({ databaseId: "dup", userId: "bob", query: "SELECT 1" }),
    ).rejects.toMatchObject({
      code: Status.PERMISSION_DENIED,
    });
  });

  it("rejects calls without a token with UNAUTHENTICATED", async () => {
    const anonymous = stack.clientWithToken(undefined);
    await expect(anonymous.listDatabases({})).rejects.toMatchObject({
      code: Status.UNAUTHENTICATED,
    });
    const forged = stack.clientWithToken("not.a.jwt");
    await expect(forged.listDatabases({})).rejects.toMatchObject({ code: Status.UNAUTHENTICATED });
  });

  it("lists the caller's databases a page at a time, filtered by name", async () => {
    for (const n of ["page-a", "page-b", "page-c"]) await alice.createDatabase({ databaseName: n });
    const first = await alice.listDatabases({ nameFilter: "page-", pageSize: 2 });
    expect(first.totalCount).toBe(3);
    expect(first.databases.map((d) => d.databaseId)).toEqual(["page-a", "page-b"]);
    const second = await alice.listDatabases({ nameFilter: "page-", pageSize: 2, page: 2 });
    expect(second.databases.map((d) => d.databaseId)).toEqual(["page-c"]);
    await expect(alice.listDatabases({ pageSize: 5000 })).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
    });
  });

  it("keeps tenants apart: another user's database is NOT_FOUND under any name", async () => {
    await alice.createDatabase({ databaseName: "private" });
    await alice.executeStatement({
      databaseId: "private",
      statement: "CREATE TABLE s AS SELECT 42 AS secret",
    });
    expect((await bob.listDatabases({})).databases.map((d) => d.databaseId)).not.toContain(
      "private",
    );
    for (const [databaseId, code] of [
      ["private", Status.NOT_FOUND],
      ["../alice/private", Status.INVALID_ARGUMENT],
      ["org/private", Status.PERMISSION_DENIED],
    ] as const) {
      await expect(
        bob.executeQuery({ databaseId, query: "SELECT * FROM s" }),
      ).rejects.toMatchObject({
        code,
      });
    }
    await expect(bob.getDatabaseInfo({ databaseId: "private" })).rejects.toMatchObject({
      code: Status.NOT_FOUND,
    });
    await expect(
      bob.deleteDatabase({ databaseId: "private", deleteFromMinio: true }),
    ).rejects.toMatchObject({
      code: Status.NOT_FOUND,
    });
    // Bob's own database of the same name is his, and empty.
    await bob.createDatabase({ databaseName: "private" });
    await expect(
      bob.executeQuery({ databaseId: "private", query: "SELECT * FROM s" }),
    ).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
    });
    const mine = await alice.executeQuery({ databaseId: "private", query: "SELECT * FROM s" });
    expect(rowsOf(mine)).toEqual([[42n]]);
  });

  it("shares organization databases with members only", async () => {
    const carol = await stack.client("carol", "acme");
    const dave = await stack.client("dave", "acme");
    const created = await carol.createDatabase({ databaseName: "sales", organizationId: "acme" });
    expect(created.databaseInfo).toMatchObject({ databaseId: "org/sales", organizationId: "acme" });
    await carol.executeStatement({
      databaseId: "org/sales",
      statement: "CREATE TABLE t AS SELECT 1 AS x",
    });
    expect(
      rowsOf(await dave.executeQuery({ databaseId: "org/sales", query: "SELECT x FROM t" })),
    ).toEqual([[1n]]);
    expect(
      (await dave.listDatabases({ organizationId: "acme" })).databases.map((d) => d.databaseId),
    ).toEqual(["org/sales"]);
    await expect(alice.listDatabases({ organizationId: "acme" })).rejects.toMatchObject({
      code: Status.PERMISSION_DENIED,
    });
    await expect(
      alice.createDatabase({ databaseName: "x", organizationId: "acme" }),
    ).rejects.toMatchObject({
      code: Status.PERMISSION_DENIED,
    });
    await expect(
      alice.executeQuery({ databaseId: "org/sales", query: "SELECT 1" }),
    ).rejects.toMatchObject({
      code: Status.PERMISSION_DENIED,
    });
  });

  it("never resolves a bare database_id to the organization's database of that name", async () => {
    const bob = await stack.client("bob", "globex");
    const mallory = await stack.client("mallory", "globex");
    // Another member pre-creates the org database bob would call his own.
    await mallory.createDatabase({ databaseName: "user-bob-analytics", organizationId: "globex" });
    await mallory.executeStatement({
      databaseId: "org/user-bob-analytics",
      statement: "CREATE TABLE bait AS SELECT 'org' AS v",
    });
    for (const call of [
      () => bob.executeQuery({ databaseId: "user-bob-analytics", query: "SELECT 1" }),
      () =>
        bob.executeStatement({
          databaseId: "user-bob-analytics",
          statement: "CREATE TABLE t (x INT)",
        }),
      () => bob.getDatabaseInfo({ databaseId: "user-bob-analytics" }),
      () => bob.deleteDatabase({ databaseId: "user-bob-analytics" }),
    ]) {
      await expect(call()).rejects.toMatchObject({ code: Status.NOT_FOUND });
    }
    expect(
      rowsOf(
        await bob.executeQuery({
          databaseId: "org/user-bob-analytics",
          query: "SELECT v FROM bait",
        }),
      ),
    ).toEqual([["org"]]);
    // Bob's own database of that name is his alone; the org's stays untouched.
    await bob.createDatabase({ databaseName: "user-bob-analytics" });
    await bob.executeStatement({
      databaseId: "user-bob-analytics",
      statement: "CREATE TABLE mine AS SELECT 'bob' AS v",
    });
    expect(
      rowsOf(
        await bob.executeQuery({ databaseId: "user-bob-analytics", query: "SELECT v FROM mine" }),
      ),
    ).toEqual([["bob"]]);
    expect(
      rowsOf(
        await mallory.executeQuery({
          databaseId: "org/user-bob-analytics",
          query: "SELECT table_name FROM information_schema.tables",
        }),
      ),
    ).toEqual([["bait"]]);
  });

  it("reports size, table count and last access", async () => {
    await alice.createDatabase({ databaseName: "info" });
    await alice.executeStatement({ databaseId: "info", statement: "CREATE TABLE a (x INTEGER)" });
    await alice.executeStatement({ databaseId: "info", statement: "CREATE TABLE b (x INTEGER)" });
    const info = await alice.getDatabaseInfo({ databaseId: "info" });
    expect(info.databaseInfo?.tableCount).toBe(2);
    expect(info.databaseInfo?.sizeBytes).toBeGreaterThan(0n);
    expect(info.databaseInfo?.lastAccessed?.seconds).toBeGreaterThan(0n);
    expect(info.databaseInfo?.version).toMatch(/^v\d/);
    await expect(alice.getDatabaseInfo({ databaseId: "nope" })).rejects.toMatchObject({
      code: Status.NOT_FOUND,
    });
    await expect(alice.getDatabaseInfo({ databaseId: "" })).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
    });
  });

  it("deletes a database with its stored copy, so the name can be used again", async () => {
    await alice.createDatabase({ databaseName: "gone" });
    await alice.executeStatement({ databaseId: "gone", statement: "CREATE TABLE t (x INTEGER)" });
    await alice.deleteDatabase({ databaseId: "gone", deleteFromMinio: true });
    await expect(
      alice.executeQuery({ databaseId: "gone", query: "SELECT 1" }),
    ).rejects.toMatchObject({
      code: Status.NOT_FOUND,
    });
    await alice.createDatabase({ databaseName: "gone" });
    await expect(
      alice.executeQuery({ databaseId: "gone", query: "SELECT * FROM t" }),
    ).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
    });
    const store = await stack.systemStore();
    const keys: string[] = [];
    for await (const o of store.listObjects("duckdb-databases", { recursive: true })) {
      if ("key" in o) keys.push(o.key);
    }
    // The new database's record and its one generation's file; nothing of the old one.
    expect(keys.filter((k) => k.includes("/gone.") || k.includes("/gone/"))).toHaveLength(2);
  });

  it("drops only the local copy when not asked to delete from storage", async () => {
    await alice.createDatabase({ databaseName: "cached" });
    await alice.executeStatement({
      databaseId: "cached",
      statement: "CREATE TABLE t AS SELECT 7 AS x",
    });
    await alice.deleteDatabase({ databaseId: "cached" });
    expect(
      rowsOf(await alice.executeQuery({ databaseId: "cached", query: "SELECT x FROM t" })),
    ).toEqual([[7n]]);
  });

  it("refuses to delete a database in use unless forced, and interrupts its queries when forced", async () => {
    await alice.createDatabase({ databaseName: "busy" });
    const long = alice.executeQuery({
      databaseId: "busy",
      query: "SELECT count(*) FROM range(1000000000000) a WHERE a.range % 7 = 3",
    });
    const settled = long.then(
      () => "finished",
      (err: { code: Status }) => err.code,
    );
    await waitFor(async () => {
      const m = await alice.getMetrics({ databaseId: "busy" });
      return m.activeConnections > 0n;
    });
    await expect(
      alice.deleteDatabase({ databaseId: "busy", deleteFromMinio: true }),
    ).rejects.toMatchObject({
      code: Status.FAILED_PRECONDITION,
    });
    await alice.deleteDatabase({ databaseId: "busy", deleteFromMinio: true, force: true });
    expect(await settled).not.toBe("finished");
    await expect(alice.getDatabaseInfo({ databaseId: "busy" })).rejects.toMatchObject({
      code: Status.NOT_FOUND,
    });
  });

  it("backs a database up and restores it over itself and under a new name", async () => {
    await alice.createDatabase({ databaseName: "precious", metadata: { k: "v" } });
    await alice.executeStatement({
      databaseId: "precious",
      statement: "CREATE TABLE t AS SELECT 1 AS x",
    });
    const backup = await alice.backupDatabase({ databaseId: "precious", backupName: "before" });
    expect(backup.backupSize).toBeGreaterThan(0n);
    await alice.executeStatement({ databaseId: "precious", statement: "UPDATE t SET x = 2" });

    const copy = await alice.restoreDatabase({
      backupPath: backup.backupPath,
      newDatabaseName: "precious-copy",
    });
    expect(copy.databaseInfo).toMatchObject({ databaseId: "precious-copy", metadata: { k: "v" } });
    expect(
      rowsOf(await alice.executeQuery({ databaseId: "precious-copy", query: "SELECT x FROM t" })),
    ).toEqual([[1n]]);
    expect(
      rowsOf(await alice.executeQuery({ databaseId: "precious", query: "SELECT x FROM t" })),
    ).toEqual([[2n]]);

    await alice.restoreDatabase({ backupPath: backup.backupPath });
    expect(
      rowsOf(await alice.executeQuery({ databaseId: "precious", query: "SELECT x FROM t" })),
    ).toEqual([[1n]]);
  });

  it("refuses bad backup names, bad backup paths and other tenants' backups", async () => {
    await alice.createDatabase({ databaseName: "bk" });
    await expect(
      alice.backupDatabase({ databaseId: "bk", backupName: "../x" }),
    ).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
    });
    const { backupPath } = await alice.backupDatabase({ databaseId: "bk" });
    await expect(
      bob.restoreDatabase({ backupPath, newDatabaseName: "stolen" }),
    ).rejects.toMatchObject({
      code: Status.PERMISSION_DENIED,
    });
    await expect(alice.restoreDatabase({ backupPath: "../../etc/passwd" })).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
    });
    await expect(
      alice.restoreDatabase({ backupPath: backupPath.replace(/[^/]+\.duckdb$/, "missing.duckdb") }),
    ).rejects.toMatchObject({ code: Status.NOT_FOUND });
    await expect(
      alice.restoreDatabase({ backupPath, newDatabaseName: "dup" }),
    ).rejects.toMatchObject({
      code: Status.ALREADY_EXISTS,
    });
    await expect(alice.backupDatabase({ databaseId: "nope" })).rejects.toMatchObject({
      code: Status.NOT_FOUND,
    });
  });
});

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("condition not reached");
}
