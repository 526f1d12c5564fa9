import { createWriteStream } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { MinioClient } from "@isa-cloud/minio-client";
import {
  AlreadyExistsError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
} from "@isa-cloud/rpc/wire";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DuckdbClient, ImportProgress } from "../src/index.js";
import { type Stack, startStack } from "./stack.js";

const DB = "user-s1-analytics";
const BUCKET = "user-s1";

describe("import and export with object storage", () => {
  let stack: Stack;
  let client: DuckdbClient;
  let storage: MinioClient;

  beforeAll(async () => {
    stack = await startStack();
    client = await stack.client("s1");
    storage = await stack.storage("s1");
    await client.createDatabase(DB);
    await storage.createBucket(BUCKET);
    await storage.putObject(BUCKET, "events.csv", "id,kind\n1,click\n2,view\n3,click\n");
    await client.execute(
      DB,
      "CREATE TABLE src AS SELECT i AS id, 'k' || i AS kind FROM range(5) t(i)",
    );
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("exports a query to parquet and imports it back, parquet by default as in the guide", async () => {
    const exported = await client.exportToStorage(DB, "SELECT * FROM src", BUCKET, "src.parquet", {
      format: "parquet",
    });
    expect(exported.rowsExported).toBe(5);
    expect(exported.fileSize).toBeGreaterThan(0);
    expect((await storage.statObject(BUCKET, "src.parquet")).size).toBe(exported.fileSize);
    const imported = await client.importFromStorage(DB, "from_parquet", BUCKET, "src.parquet");
    expect(imported.rowsImported).toBe(5);
    const { rows } = await client.query(DB, "SELECT count(*) AS n FROM from_parquet");
    expect(rows).toEqual([{ n: 5n }]);
  });

  it("imports CSV with reader options, appends, and truncates when asked", async () => {
    const first = await client.importFromStorage(DB, "events", BUCKET, "events.csv", {
      format: "csv",
      options: { header: "true" },
    });
    expect(first.rowsImported).toBe(3);
    await client.importFromStorage(DB, "events", BUCKET, "events.csv", { format: "csv" });
    expect((await client.query(DB, "SELECT count(*) AS n FROM events")).rows).toEqual([{ n: 6n }]);
    await client.importFromStorage(DB, "events", BUCKET, "events.csv", {
      format: "csv",
      truncate: true,
    });
    expect((await client.query(DB, "SELECT count(*) AS n FROM events")).rows).toEqual([{ n: 3n }]);
  });

  it("exports JSON, and refuses to overwrite an existing key unless asked", async () => {
    await client.exportToStorage(DB, "SELECT * FROM src", BUCKET, "src.json", { format: "json" });
    await expect(
      client.exportToStorage(DB, "SELECT 1", BUCKET, "src.json", { format: "json" }),
    ).rejects.toBeInstanceOf(AlreadyExistsError);
    const again = await client.exportToStorage(DB, "SELECT 1 AS x", BUCKET, "src.json", {
      format: "json",
      overwrite: true,
    });
    expect(again.rowsExported).toBe(1);
    const imported = await client.importFromStorage(DB, "from_json", BUCKET, "src.json", {
      format: "json",
    });
    expect(imported.rowsImported).toBe(1);
  });

  it("queries a stored file in place", async () => {
    const result = await client.queryStorageFile(DB, BUCKET, "events.csv", {
      format: "csv",
      sql: "SELECT kind, count(*) AS n FROM file GROUP BY kind ORDER BY kind",
    });
    expect(result.columns).toEqual(["kind", "n"]);
    expect(result.rows).toEqual([
      { kind: "click", n: 2 },
      { kind: "view", n: 1 },
    ]);
    const all = await client.queryStorageFile(DB, BUCKET, "events.csv", { format: "csv" });
    expect(all.rows).toHaveLength(3);
  });

  it("reports a missing object as NotFoundError and a bad format as InvalidArgumentError", async () => {
    await expect(
      client.importFromStorage(DB, "x", BUCKET, "missing.csv", { format: "csv" }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      client.importFromStorage(DB, "x", BUCKET, "events.csv", { format: "xml" as "csv" }),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it("does not let a user read another user's bucket", async () => {
    const other = await stack.client("s2");
    await other.createDatabase("s2-db");
    const err = await other
      .importFromStorage("s2-db", "stolen", BUCKET, "events.csv", { format: "csv" })
      .catch((e: unknown) => e);
    expect(err instanceof NotFoundError || err instanceof PermissionDeniedError).toBe(true);
  });

  it("streams a file into a table with progress, chunk by chunk", async () => {
    const path = join(stack.dir, "upload.csv");
    const out = createWriteStream(path);
    await pipeline(
      Readable.from(
        (function* () {
          yield "id,label\n";
          for (let i = 0; i < 50_000; i++) yield `${i},row-${i}\n`;
        })(),
      ),
      out,
    );
    const progress: ImportProgress[] = [];
    const result = await client.importData(DB, "uploaded", path, {
      format: "csv",
      chunkSize: 64 * 1024,
      onProgress: (p) => progress.push(p),
    });
    expect(result.rowsImported).toBe(50_000);
    const total = progress.at(-1)?.total;
    expect(total).toBeGreaterThan(64 * 1024);
    expect(progress.at(-1)?.bytes).toBe(total);
    expect(progress.length).toBe(Math.ceil(total! / (64 * 1024)));
    expect(progress.every((p, i) => i === 0 || p.bytes > progress[i - 1]!.bytes)).toBe(true);
    const { rows } = await client.query(DB, "SELECT max(id) AS m FROM uploaded");
    expect(rows).toEqual([{ m: 49_999n }]);
  });

  it("imports a Buffer and a stream of unknown length", async () => {
    const fromBuffer = await client.importData(DB, "buf", Buffer.from("a,b\n1,2\n3,4\n"), {
      format: "csv",
    });
    expect(fromBuffer.rowsImported).toBe(2);
    async function* lines() {
      yield '{"a": 1}\n';
      yield '{"a": 2}\n';
    }
    const fromStream = await client.importData(DB, "json_rows", lines(), { format: "json" });
    expect(fromStream.rowsImported).toBe(2);
    const progress: ImportProgress[] = [];
    await client.importData(DB, "json_rows", Readable.from(['{"a": 3}\n']), {
      format: "json",
      onProgress: (p) => progress.push(p),
    });
    expect(progress).toEqual([{ bytes: 9 }]);
  });

  it("rejects data that does not parse with InvalidArgumentError and leaves no table behind", async () => {
    await expect(
      client.importData(DB, "broken", Buffer.from("not parquet at all"), { format: "parquet" }),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
    const tables = (await client.listTables(DB)).map((t) => t.tableName);
    expect(tables).not.toContain("broken");
  });

  it("fails a missing file before any call, and a missing database with NotFoundError", async () => {
    await expect(
      client.importData(DB, "t", join(stack.dir, "nope.csv"), { format: "csv" }),
    ).rejects.toThrow(/ENOENT/);
    await expect(
      client.importData("no-db", "t", Buffer.from("a\n1\n"), { format: "csv" }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it("cancels an upload when its signal aborts", async () => {
    const path = join(stack.dir, "big.csv");
    await writeFile(path, `x\n${"1\n".repeat(2_000_000)}`);
    const controller = new AbortController();
    const err = await client
      .importData(DB, "aborted", path, {
        format: "csv",
        chunkSize: 16 * 1024,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.bytes >= 64 * 1024) controller.abort();
        },
      })
      .catch((e: unknown) => e);
    expect((err as Error).name).toBe("AbortError");
    const tables = (await client.listTables(DB)).map((t) => t.tableName);
    expect(tables).not.toContain("aborted");
  });
});
