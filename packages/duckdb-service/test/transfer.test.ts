import type { MinioClient } from "@isa-cloud/minio-client";
import type { duckdb } from "@isa-cloud/proto";
import { Status } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DuckdbClient, rowsOf, Stack } from "./harness.js";

let stack: Stack;
let alice: DuckdbClient;
let aliceStore: MinioClient;
let bobStore: MinioClient;
const db = "io";

const CSV =
  "event_type;duration;date\nclick;1.5;2024-01-02\nview;2.5;2024-01-03\nclick;3.0;2024-01-04\n";

beforeAll(async () => {
  stack = await Stack.start();
  alice = await stack.client("alice");
  aliceStore = await stack.store("alice");
  bobStore = await stack.store("bob");
  await alice.createDatabase({ databaseName: db });
  await aliceStore.createBucket("data");
  await aliceStore.putObject("data", "events.csv", CSV);
  await aliceStore.putObject("data", "events.json", '[{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]');
  await aliceStore.putObject("data", "broken.csv", "a,b\n1,2,3,4\n\u0000\u0001");
  await bobStore.createBucket("bobs");
  await bobStore.putObject("bobs", "secret.csv", "s\ntopsecret\n");
});

afterAll(async () => {
  await stack.stop();
});

const importRequest = (
  extra: Partial<duckdb.ImportFromMinIORequest> = {},
): duckdb.ImportFromMinIORequest => ({
  databaseId: db,
  userId: "",
  tableName: "events",
  bucketName: "data",
  objectKey: "events.csv",
  format: "csv",
  createTable: true,
  truncate: false,
  options: { delimiter: ";", header: "true" },
  ...extra,
});

describe("ImportFromMinIO", () => {
  it("creates a table from a stored CSV with reader options", async () => {
    const r = await alice.importFromMinIO(importRequest());
    expect(r.rowsImported).toBe(3);
    const q = await alice.executeQuery({
      databaseId: db,
      query: "SELECT event_type, sum(duration) FROM events GROUP BY 1 ORDER BY 1",
    });
    expect(q.columnTypes).toEqual(["VARCHAR", "DOUBLE"]);
    expect(rowsOf(q)).toEqual([
      ["click", 4.5],
      ["view", 2.5],
    ]);
  });

  it("appends to an existing table, or empties it first with truncate", async () => {
    expect((await alice.importFromMinIO(importRequest({ createTable: false }))).rowsImported).toBe(
      3,
    );
    expect(
      rowsOf(await alice.executeQuery({ databaseId: db, query: "SELECT count(*) FROM events" })),
    ).toEqual([[6n]]);
    await alice.importFromMinIO(importRequest({ truncate: true }));
    expect(
      rowsOf(await alice.executeQuery({ databaseId: db, query: "SELECT count(*) FROM events" })),
    ).toEqual([[3n]]);
  });

  it("imports JSON and Parquet", async () => {
    const json = await alice.importFromMinIO(
      importRequest({ tableName: "j", objectKey: "events.json", format: "json", options: {} }),
    );
    expect(json.rowsImported).toBe(2);
    await alice.exportToMinIO({
      databaseId: db,
      userId: "",
      query: "SELECT * FROM j",
      bucketName: "data",
      objectKey: "j.parquet",
      format: "parquet",
      options: {},
      overwrite: true,
    });
    const parquet = await alice.importFromMinIO(
      importRequest({ tableName: "p", objectKey: "j.parquet", format: "parquet", options: {} }),
    );
    expect(parquet.rowsImported).toBe(2);
    expect(
      rowsOf(await alice.executeQuery({ databaseId: db, query: "SELECT a, b FROM p ORDER BY a" })),
    ).toEqual([
      [1n, "x"],
      [2n, "y"],
    ]);
  });

  it("refuses bad input and leaves the table as it was", async () => {
    const cases: Array<[Partial<duckdb.ImportFromMinIORequest>, Status]> = [
      [{ format: "xlsx" }, Status.INVALID_ARGUMENT],
      [{ options: { evil: "1" } }, Status.INVALID_ARGUMENT],
      [{ tableName: "" }, Status.INVALID_ARGUMENT],
      [{ objectKey: "" }, Status.INVALID_ARGUMENT],
      [{ objectKey: "missing.csv" }, Status.NOT_FOUND],
      [{ bucketName: "nobucket" }, Status.NOT_FOUND],
      [{ tableName: "fresh", createTable: false }, Status.NOT_FOUND],
      [{ objectKey: "events.json", format: "parquet", options: {} }, Status.INVALID_ARGUMENT],
      [
        {
          objectKey: "broken.csv",
          options: { header: "true", strict_mode: "true" },
          truncate: true,
        },
        Status.INVALID_ARGUMENT,
      ],
      [{ databaseId: "missing" }, Status.NOT_FOUND],
    ];
    for (const [extra, code] of cases) {
      await expect(alice.importFromMinIO(importRequest(extra))).rejects.toMatchObject({ code });
    }
    expect(
      rowsOf(await alice.executeQuery({ databaseId: db, query: "SELECT count(*) FROM events" })),
    ).toEqual([[3n]]);
  });

  it("applies the caller's tenancy to the bucket it names", async () => {
    await expect(
      alice.importFromMinIO(
        importRequest({ bucketName: "bobs", objectKey: "secret.csv", options: {} }),
      ),
    ).rejects.toMatchObject({ code: Status.NOT_FOUND });
    await expect(
      alice.importFromMinIO(
        importRequest({ bucketName: "u:bob/bobs", objectKey: "secret.csv", options: {} }),
      ),
    ).rejects.toMatchObject({ code: Status.PERMISSION_DENIED });
    // The service's own bucket of database files is out of reach of user tokens.
    const systemKeys: string[] = [];
    for await (const o of (await stack.systemStore()).listObjects("duckdb-databases", {
      recursive: true,
    })) {
      if ("key" in o) systemKeys.push(o.key);
    }
    const someDatabase = systemKeys.find((k) => k.startsWith("databases/"));
    expect(someDatabase).toBeDefined();
    await expect(
      alice.queryMinIOFile({
        databaseId: db,
        userId: "",
        bucketName: "duckdb-databases",
        objectKey: someDatabase!,
        format: "csv",
        query: "",
        options: {},
      }),
    ).rejects.toMatchObject({ code: Status.NOT_FOUND });
  });
});

describe("ExportToMinIO", () => {
  it("writes a query's result to the caller's bucket", async () => {
    const r = await alice.exportToMinIO({
      databaseId: db,
      userId: "",
      query: "SELECT event_type, duration FROM events ORDER BY date;",
      bucketName: "data",
      objectKey: "out/events.csv",
      format: "csv",
      options: { header: "true", delimiter: "|" },
      overwrite: false,
    });
    expect(r.rowsExported).toBe(3);
    const body = (await aliceStore.getObject("data", "out/events.csv")).toString();
    expect(body).toBe("event_type|duration\nclick|1.5\nview|2.5\nclick|3.0\n");
    expect(r.fileSize).toBe(BigInt(body.length));
  });

  it("refuses to overwrite an existing object unless asked", async () => {
    const request: duckdb.ExportToMinIORequest = {
      databaseId: db,
      userId: "",
      query: "SELECT 1 AS x",
      bucketName: "data",
      objectKey: "out/events.csv",
      format: "json",
      options: {},
      overwrite: false,
    };
    await expect(alice.exportToMinIO(request)).rejects.toMatchObject({
      code: Status.ALREADY_EXISTS,
    });
    await alice.exportToMinIO({ ...request, overwrite: true });
    expect((await aliceStore.getObject("data", "out/events.csv")).toString()).toBe('{"x":1}\n');
  });

  it("refuses bad queries, formats, options and other tenants' buckets", async () => {
    const base: duckdb.ExportToMinIORequest = {
      databaseId: db,
      userId: "",
      query: "SELECT 1",
      bucketName: "data",
      objectKey: "x.csv",
      format: "csv",
      options: {},
      overwrite: true,
    };
    const cases: Array<[Partial<duckdb.ExportToMinIORequest>, Status]> = [
      [{ query: "" }, Status.INVALID_ARGUMENT],
      [{ query: "SELEC" }, Status.INVALID_ARGUMENT],
      [{ query: "DELETE FROM events" }, Status.INVALID_ARGUMENT],
      [{ query: "SELECT 1) TO '/tmp/x.csv' (FORMAT csv); --" }, Status.INVALID_ARGUMENT],
      [{ query: "SELECT * FROM read_csv('/etc/passwd')" }, Status.PERMISSION_DENIED],
      [{ format: "xml" }, Status.INVALID_ARGUMENT],
      [{ options: { path: "/tmp/x" } }, Status.INVALID_ARGUMENT],
      [{ bucketName: "u:bob/bobs" }, Status.PERMISSION_DENIED],
      [{ bucketName: "nobucket" }, Status.NOT_FOUND],
    ];
    for (const [extra, code] of cases) {
      await expect(alice.exportToMinIO({ ...base, ...extra })).rejects.toMatchObject({ code });
    }
    expect((await bobStore.getObject("bobs", "secret.csv")).toString()).toBe("s\ntopsecret\n");
  });
});

describe("QueryMinIOFile", () => {
  it("runs SQL over a stored file named as the relation file", async () => {
    const r = await alice.queryMinIOFile({
      databaseId: db,
      userId: "",
      bucketName: "data",
      objectKey: "events.csv",
      format: "csv",
      query: "SELECT count(*) AS n, max(duration) AS m FROM file",
      options: { delimiter: ";" },
    });
    expect(r.columns).toEqual(["n", "m"]);
    expect(rowsOf(r)).toEqual([[3n, 3]]);
    const all = await alice.queryMinIOFile({
      databaseId: db,
      userId: "",
      bucketName: "data",
      objectKey: "events.json",
      format: "json",
      query: "",
      options: {},
    });
    expect(all.rowCount).toBe(2);
  });

  it("leaves no relation called file behind", async () => {
    await expect(
      alice.executeQuery({ databaseId: db, query: "SELECT * FROM file" }),
    ).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
    });
  });

  it("refuses bad SQL, missing objects and other tenants' buckets", async () => {
    const base: duckdb.QueryMinIOFileRequest = {
      databaseId: db,
      userId: "",
      bucketName: "data",
      objectKey: "events.csv",
      format: "csv",
      query: "SELECT * FROM file",
      options: {},
    };
    const cases: Array<[Partial<duckdb.QueryMinIOFileRequest>, Status]> = [
      [{ query: "SELEC" }, Status.INVALID_ARGUMENT],
      [{ query: "SELECT * FROM read_csv('/etc/passwd')" }, Status.PERMISSION_DENIED],
      [{ objectKey: "nope.csv" }, Status.NOT_FOUND],
      [{ bucketName: "u:bob/bobs", objectKey: "secret.csv" }, Status.PERMISSION_DENIED],
      [{ format: "" }, Status.INVALID_ARGUMENT],
      [{ databaseId: "missing" }, Status.NOT_FOUND],
    ];
    for (const [extra, code] of cases) {
      await expect(alice.queryMinIOFile({ ...base, ...extra })).rejects.toMatchObject({ code });
    }
  });
});

describe("ImportData", () => {
  async function* upload(
    metadata: Partial<duckdb.ImportDataMetadata> | undefined,
    chunks: Array<string | Uint8Array>,
    metadataTwice = false,
  ): AsyncIterable<duckdb.ImportDataRequest> {
    const meta: duckdb.ImportDataMetadata = {
      databaseId: db,
      userId: "",
      tableName: "uploaded",
      format: "csv",
      totalSize: 0n,
      options: {},
      ...metadata,
    };
    if (metadata !== undefined) yield { payload: { $case: "metadata", value: meta } };
    for (const c of chunks) {
      yield { payload: { $case: "chunk", value: typeof c === "string" ? Buffer.from(c) : c } };
      if (metadataTwice) yield { payload: { $case: "metadata", value: meta } };
    }
  }

  it("streams an upload straight into a new table", async () => {
    const lines = ["a,b\n", ...Array.from({ length: 1000 }, (_, i) => `${i},row${i}\n`)];
    const body = lines.join("");
    const r = await alice.importData(upload({ totalSize: BigInt(Buffer.byteLength(body)) }, lines));
    expect(r.rowsImported).toBe(1000);
    expect(
      rowsOf(await alice.executeQuery({ databaseId: db, query: "SELECT sum(a) FROM uploaded" })),
    ).toEqual([["499500"]]);
  });

  it("refuses streams without metadata first, with a wrong length, or repeated metadata", async () => {
    await expect(alice.importData(upload(undefined, ["a\n1\n"]))).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
    });
    await expect(
      alice.importData(upload({ totalSize: 100n, tableName: "short" }, ["a\n1\n"])),
    ).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
    });
    await expect(
      alice.importData(upload({ totalSize: 2n, tableName: "long" }, ["a\n1\n"])),
    ).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
    });
    await expect(
      alice.importData(upload({ tableName: "twice" }, ["a\n1\n"], true)),
    ).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
    });
    await expect(alice.importData(upload({ tableName: "empty" }, []))).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
    });
    await expect(alice.importData(upload({ format: "exe" }, ["x"]))).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
    });
    await expect(alice.importData(upload({ databaseId: "missing" }, ["x"]))).rejects.toMatchObject({
      code: Status.NOT_FOUND,
    });
    const tables = await alice.listTables({ databaseId: db, schemaName: "", nameFilter: "" });
    for (const name of ["short", "long", "twice", "empty"]) {
      expect(tables.tables.map((t) => t.tableName)).not.toContain(name);
    }
  });
});
