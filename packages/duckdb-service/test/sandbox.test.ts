import { join } from "node:path";
import { Status } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DuckdbClient, Stack } from "./harness.js";

let stack: Stack;
let alice: DuckdbClient;
let bobFile: string;

beforeAll(async () => {
  stack = await Stack.start();
  alice = await stack.client("alice");
  const bob = await stack.client("bob");
  await alice.createDatabase({ databaseName: "box" });
  await bob.createDatabase({ databaseName: "secrets" });
  await bob.executeStatement({
    databaseId: "secrets",
    statement: "CREATE TABLE s AS SELECT 'topsecret' AS v",
  });
  bobFile = join(
    stack.cacheDir,
    "databases",
    `user-${Buffer.from("bob").toString("hex")}`,
    "secrets.duckdb",
  );
});

afterAll(async () => {
  await stack.stop();
});

const escapes: Array<[string, () => string]> = [
  ["reads a server file", () => "SELECT * FROM read_csv('/etc/passwd')"],
  ["reads a server file as text", () => "SELECT * FROM read_text('/etc/hostname')"],
  ["reads another user's database file", () => `SELECT * FROM read_blob('${bobFile}')`],
  ["attaches another user's database", () => `ATTACH '${bobFile}' AS b`],
  ["attaches a new database", () => "ATTACH ':memory:' AS m"],
  ["writes a server file", () => "COPY (SELECT 1) TO '/tmp/x.csv'"],
  ["exports the database", () => "EXPORT DATABASE '/tmp/x'"],
  ["installs an extension", () => "INSTALL httpfs"],
  ["loads an extension", () => "LOAD httpfs"],
  ["changes a setting", () => "SET memory_limit = '64GB'"],
  ["turns file access back on", () => "SET enable_external_access = true"],
  ["changes a setting by PRAGMA", () => "PRAGMA threads = 64"],
  ["unlocks the configuration", () => "RESET lock_configuration"],
  ["lists server directories", () => "SELECT * FROM glob('/*')"],
];

describe("sandbox", () => {
  it.each(escapes)(
    "refuses SQL that %s with PERMISSION_DENIED, whatever the method",
    async (_what, sql) => {
      const statement = sql();
      const denied = { code: Status.PERMISSION_DENIED };
      await expect(
        alice.executeQuery({ databaseId: "box", query: statement }),
      ).rejects.toMatchObject(denied);
      await expect(alice.executeStatement({ databaseId: "box", statement })).rejects.toMatchObject(
        denied,
      );
      await expect(
        alice.executeBatch({ databaseId: "box", statements: [statement] }),
      ).rejects.toMatchObject(denied);
      await expect(alice.prepareStatement({ databaseId: "box", statement })).rejects.toMatchObject(
        denied,
      );
      await expect(
        alice.executeQuery({ databaseId: "box", query: statement, explain: true }),
      ).rejects.toMatchObject(denied);
    },
  );

  it("refuses escapes hidden behind a harmless first statement", async () => {
    await expect(
      alice.executeStatement({ databaseId: "box", statement: "SELECT 1; ATTACH ':memory:' AS m" }),
    ).rejects.toMatchObject({ code: Status.PERMISSION_DENIED });
    await expect(
      alice.executeQuery({
        databaseId: "box",
        query: "SELECT 1; SELECT * FROM read_csv('/etc/passwd')",
      }),
    ).rejects.toMatchObject({ code: Status.PERMISSION_DENIED });
  });

  it("refuses escapes through views and macros", async () => {
    await expect(
      alice.createView({
        databaseId: "box",
        viewName: "v",
        query: "SELECT * FROM read_csv('/etc/passwd')",
      }),
    ).rejects.toMatchObject({ code: Status.PERMISSION_DENIED });
    await expect(
      alice.createFunction({
        databaseId: "box",
        functionName: "f",
        functionBody: "(SELECT count(*) FROM read_text('/etc/hostname'))",
      }),
    ).rejects.toMatchObject({ code: Status.PERMISSION_DENIED });
    await expect(
      alice.createTable({
        databaseId: "box",
        tableName: "t",
        columns: [
          {
            name: "a",
            dataType: "INTEGER); ATTACH ':memory:' AS m; --",
            nullable: true,
            defaultValue: "",
            isPrimaryKey: false,
            isUnique: false,
            comment: "",
          },
        ],
        primaryKeys: [],
        ifNotExists: false,
        comment: "",
      }),
    ).rejects.toMatchObject({ code: Status.INVALID_ARGUMENT });
  });

  it("keeps the settings each database was created with", async () => {
    await alice.createDatabase({
      databaseName: "small",
      config: { memory_limit: "200MB", threads: "1" },
    });
    const r = await alice.executeQuery({
      databaseId: "small",
      query:
        "SELECT current_setting('memory_limit'), current_setting('threads'), current_setting('enable_external_access'), current_setting('lock_configuration')",
    });
    expect(r.rows[0]!.values.map((x) => x.kind?.value)).toEqual(["190.7 MiB", 1n, false, true]);
  });

  it("lets user SQL still read its own data and DuckDB's built-in functions", async () => {
    const r = await alice.executeQuery({
      databaseId: "box",
      query:
        "SELECT json_extract_string('{\"a\": \"b\"}', '$.a'), strftime(TIMESTAMPTZ '2024-01-01 00:00:00+00', '%Y')",
    });
    expect(r.rows[0]!.values.map((x) => x.kind?.value)).toEqual(["b", "2024"]);
  });
});
