import {
  AlreadyExistsError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  UnauthenticatedError,
} from "@isa-cloud/rpc/wire";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckdbClient, type DuckdbClient } from "../src/index.js";
import { type Stack, startStack } from "./stack.js";

describe("databases", () => {
  let stack: Stack;
  let alice: DuckdbClient;

  beforeAll(async () => {
    stack = await startStack();
    alice = await stack.client("alice");
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("creates a database and reports its info", async () => {
    const info = await alice.createDatabase("user-alice-analytics", {
      metadata: { purpose: "test" },
    });
    expect(info.databaseId).toBe("user-alice-analytics");
    expect(info.userId).toBe("alice");
    expect(info.metadata).toEqual({ purpose: "test" });
    expect(info.createdAt).toBeInstanceOf(Date);
    await alice.execute("user-alice-analytics", "CREATE TABLE t AS SELECT 1 AS x");
    const again = await alice.getDatabaseInfo("user-alice-analytics");
    expect(again.tableCount).toBe(1);
    expect(typeof again.sizeBytes).toBe("number");
  });

  it("refuses a second database of the same name with AlreadyExistsError", async () => {
    await alice.createDatabase("dup");
    await expect(alice.createDatabase("dup")).rejects.toBeInstanceOf(AlreadyExistsError);
  });

  it("refuses a bad database name with InvalidArgumentError", async () => {
    await expect(alice.createDatabase("../escape")).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it("lists only the caller's databases, filtered and paged", async () => {
    const bob = await stack.client("bob");
    await bob.createDatabase("bobs-db");
    await alice.createDatabase("list-a1");
    await alice.createDatabase("list-a2");
    const all = await alice.listDatabases({ nameFilter: "list-" });
    expect(all.databases.map((d) => d.databaseId).sort()).toEqual(["list-a1", "list-a2"]);
    expect(all.totalCount).toBe(2);
    const page = await alice.listDatabases({ nameFilter: "list-", page: 2, pageSize: 1 });
    expect(page.databases).toHaveLength(1);
    expect(page.totalCount).toBe(2);
    const names = (await alice.listDatabases()).databases.map((d) => d.databaseId);
    expect(names).not.toContain("bobs-db");
  });

  it("does not let another user reach a database: NotFoundError", async () => {
    await alice.createDatabase("private-db");
    const mallory = await stack.client("mallory");
    await expect(mallory.getDatabaseInfo("private-db")).rejects.toBeInstanceOf(NotFoundError);
    await expect(mallory.query("private-db", "SELECT 1")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("rejects a user_id other than the token's with PermissionDeniedError", async () => {
    const spoof = await stack.client("alice", { userId: "bob" });
    await expect(spoof.listDatabases()).rejects.toBeInstanceOf(PermissionDeniedError);
  });

  it("rejects calls without a token with UnauthenticatedError, but not the health check", async () => {
    const anonymous = createDuckdbClient({ address: stack.address });
    try {
      await expect(anonymous.listDatabases()).rejects.toBeInstanceOf(UnauthenticatedError);
      const health = await anonymous.healthCheck();
      expect(health.healthy).toBe(true);
      expect(health.status).toBe("SERVING");
    } finally {
      anonymous.close();
    }
  });

  it("acts for one caller through withToken, over the shared client's connections", async () => {
    const shared = createDuckdbClient({ address: stack.address });
    try {
      const asAlice = shared.withToken(await stack.token("alice"));
      const asBob = shared.withToken(await stack.token("bob"));
      const names = (list: { databases: Array<{ databaseId: string }> }) =>
        list.databases.map((d) => d.databaseId);
      expect(names(await asAlice.listDatabases())).toContain("user-alice-analytics");
      expect(names(await asBob.listDatabases())).not.toContain("user-alice-analytics");
      const rows = await asAlice.query("user-alice-analytics", "SELECT count(*) AS n FROM t");
      expect(rows.rows).toEqual([{ n: 1n }]);
      // A view's close() leaves the shared connections alone; the root still has no token.
      asAlice.close();
      await expect(asBob.listDatabases()).resolves.toBeDefined();
      await expect(shared.listDatabases()).rejects.toBeInstanceOf(UnauthenticatedError);
    } finally {
      shared.close();
    }
  });

  it("checks a database's health in detail", async () => {
    const health = await alice.healthCheck({ databaseId: "user-alice-analytics", detailed: true });
    expect(health.healthy).toBe(true);
    expect(health.timestamp).toBeInstanceOf(Date);
  });

  it("backs a database up and restores it under a new name", async () => {
    await alice.createDatabase("backed");
    await alice.execute("backed", "CREATE TABLE kept AS SELECT 42 AS answer");
    const backup = await alice.backupDatabase("backed", "b1");
    expect(backup.backupPath).not.toBe("");
    expect(backup.backupSize).toBeGreaterThan(0);
    await alice.execute("backed", "DROP TABLE kept");
    const restored = await alice.restoreDatabase(backup.backupPath, "restored");
    expect(restored.databaseId).toBe("restored");
    const { rows } = await alice.query("restored", "SELECT answer FROM kept");
    expect(rows).toEqual([{ answer: 42 }]);
  });

  it("refuses a backup path it did not hand out, and a backup that is gone", async () => {
    await expect(alice.restoreDatabase("../../etc/passwd", "x")).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await alice.createDatabase("short-lived");
    const { backupPath } = await alice.backupDatabase("short-lived", "b1");
    const missing = backupPath.replace("b1", "b2");
    await expect(alice.restoreDatabase(missing, "x")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("deletes a database, after which it is not found", async () => {
    await alice.createDatabase("doomed");
    await alice.deleteDatabase("doomed");
    await expect(alice.getDatabaseInfo("doomed")).rejects.toBeInstanceOf(NotFoundError);
    await expect(alice.deleteDatabase("doomed")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("reports metrics of the service and of one database", async () => {
    const metrics = await alice.getMetrics();
    expect(metrics.totalQueries).toBeGreaterThan(0);
    expect(typeof metrics.avgQueryTimeMs).toBe("number");
    const one = await alice.getMetrics({ databaseId: "user-alice-analytics" });
    expect(one.totalQueries).toBeGreaterThan(0);
  });
});
