import type { duckdb } from "@isa-cloud/proto";
import { Status } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DuckdbClient, plain, rowsOf, Stack, v } from "./harness.js";

let stack: Stack;
let alice: DuckdbClient;
const db = "q";

beforeAll(async () => {
  stack = await Stack.start({ maxMessageBytes: 1024 * 1024, streamChunkBytes: 64 * 1024 });
  alice = await stack.client("alice");
  await alice.createDatabase({ databaseName: db });
  await alice.executeStatement({
    databaseId: db,
    statement: "CREATE TABLE events (id INTEGER PRIMARY KEY, kind VARCHAR, amount DECIMAL(10,2))",
  });
  await alice.executeStatement({
    databaseId: db,
    statement: "INSERT INTO events SELECT range, 'k' || (range % 3), range / 4 FROM range(100)",
  });
});

afterAll(async () => {
  await stack.stop();
});

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream) out.push(item);
  return out;
}

describe("ExecuteQuery", () => {
  it("returns columns, DuckDB type names and rows", async () => {
    const r = await alice.executeQuery({
      databaseId: db,
      query: "SELECT id, kind, amount FROM events WHERE id < 2 ORDER BY id",
    });
    expect(r.columns).toEqual(["id", "kind", "amount"]);
    expect(r.columnTypes).toEqual(["INTEGER", "VARCHAR", "DECIMAL(10,2)"]);
    expect(rowsOf(r)).toEqual([
      [0n, "k0", "0.00"],
      [1n, "k1", "0.25"],
    ]);
    expect(r.rowCount).toBe(2);
    expect(r.success).toBe(true);
  });

  it("binds named parameters and never pastes them into SQL", async () => {
    const r = await alice.executeQuery({
      databaseId: db,
      query: "SELECT count(*) FROM events WHERE kind = $kind AND id >= $min",
      parameters: { kind: v.s("k1"), min: v.i(50n) },
    });
    expect(rowsOf(r)).toEqual([[16n]]);
    const injection = await alice.executeQuery({
      databaseId: db,
      query: "SELECT count(*) FROM events WHERE kind = $kind",
      parameters: { kind: v.s("k1' OR '1'='1") },
    });
    expect(rowsOf(injection)).toEqual([[0n]]);
  });

  it("rejects bad SQL and bad parameters with INVALID_ARGUMENT", async () => {
    for (const request of [
      { query: "SELEC 1" },
      { query: "SELECT * FROM missing_table" },
      { query: "" },
      { query: "SELECT $a", parameters: {} },
      { query: "SELECT $a", parameters: { a: v.i(1n), b: v.i(2n) } },
      { query: "SELECT $a + 1", parameters: { a: v.s("not a number") } },
      { query: "SELECT 1", maxRows: -1 },
      { query: "SELECT 1", timeoutSeconds: -5 },
    ]) {
      await expect(alice.executeQuery({ databaseId: db, ...request })).rejects.toMatchObject({
        code: Status.INVALID_ARGUMENT,
      });
    }
  });

  it("answers NOT_FOUND for a missing database", async () => {
    await expect(
      alice.executeQuery({ databaseId: "missing", query: "SELECT 1" }),
    ).rejects.toMatchObject({
      code: Status.NOT_FOUND,
    });
  });

  it("stops at max_rows", async () => {
    const r = await alice.executeQuery({
      databaseId: db,
      query: "SELECT * FROM range(1000000)",
      maxRows: 5,
    });
    expect(r.rowCount).toBe(5);
  });

  it("interrupts a query past timeout_seconds with DEADLINE_EXCEEDED", async () => {
    await expect(
      alice.executeQuery({
        databaseId: db,
        query: "SELECT count(*) FROM range(1000000000000) a WHERE a.range % 7 = 3",
        timeoutSeconds: 1,
      }),
    ).rejects.toMatchObject({ code: Status.DEADLINE_EXCEEDED });
    expect(rowsOf(await alice.executeQuery({ databaseId: db, query: "SELECT 1" }))).toEqual([[1n]]);
  });

  it("refuses a result too large for one message with RESOURCE_EXHAUSTED naming the stream", async () => {
    await expect(
      alice.executeQuery({ databaseId: db, query: "SELECT repeat('x', 1000) FROM range(5000)" }),
    ).rejects.toMatchObject({
      code: Status.RESOURCE_EXHAUSTED,
      details: expect.stringContaining("ExecuteQueryStream"),
    });
  });

  it("explains a query instead of running it", async () => {
    const r = await alice.executeQuery({
      databaseId: db,
      query: "SELECT kind, count(*) FROM events WHERE id > $min GROUP BY kind",
      parameters: { min: v.i(3n) },
      explain: true,
    });
    expect(r.queryPlan).toMatch(/HASH_GROUP_BY|PERFECT_HASH_GROUP_BY/);
    expect(r.rows).toEqual([]);
  });
});

describe("type round trip", () => {
  it("carries every DuckDB type through a table and back without loss", async () => {
    await alice.executeStatement({
      databaseId: db,
      statement: `CREATE TABLE all_types AS SELECT
        (-128)::TINYINT AS ti, 32767::SMALLINT AS si, (-2147483648)::INTEGER AS i,
        9223372036854775807::BIGINT AS bi, 255::UTINYINT AS uti, 65535::USMALLINT AS usi,
        4294967295::UINTEGER AS ui, 18446744073709551615::UBIGINT AS ubi,
        170141183460469231731687303715884105727::HUGEINT AS hi,
        340282366920938463463374607431768211455::UHUGEINT AS uhi,
        1.5::FLOAT AS f, 0.1::DOUBLE AS d, '-12.50'::DECIMAL(10,2) AS dec,
        '12345678901234567890.123456789012345678'::DECIMAL(38,18) AS dec38,
        'héllo'::VARCHAR AS s, '\\x00\\xFF'::BLOB AS bl, true AS bo,
        DATE '2024-02-29' AS dt, TIME '13:45:01.123456' AS tm,
        TIMESTAMP '2024-01-15 12:34:56.789012' AS ts,
        '2024-01-15 12:34:56.789012+00'::TIMESTAMPTZ AS tstz,
        '2024-01-15 12:34:56.123456789'::TIMESTAMP_NS AS tsns,
        INTERVAL '1 month 2 days 3 microseconds' AS iv,
        'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::UUID AS u,
        [1, 2, NULL]::INTEGER[] AS l, {'a': 1, 'b': 'x'} AS st, MAP {'k': 1.5} AS m,
        'sad'::ENUM('sad', 'ok', 'happy') AS e, NULL::INTEGER AS n`,
    });
    const r = await alice.executeQuery({ databaseId: db, query: "SELECT * FROM all_types" });
    const row = Object.fromEntries(r.columns.map((c, i) => [c, r.rows[0]!.values[i]]));
    const types = Object.fromEntries(r.columns.map((c, i) => [c, r.columnTypes[i]]));
    expect(types).toMatchObject({
      ti: "TINYINT",
      ubi: "UBIGINT",
      hi: "HUGEINT",
      dec: "DECIMAL(10,2)",
      tstz: "TIMESTAMP WITH TIME ZONE",
      tsns: "TIMESTAMP_NS",
      l: "INTEGER[]",
      st: "STRUCT(a INTEGER, b VARCHAR)",
      m: "MAP(VARCHAR, DECIMAL(2,1))",
      e: "ENUM('sad', 'ok', 'happy')",
    });
    const kinds = Object.fromEntries(Object.entries(row).map(([k, val]) => [k, val?.kind?.$case]));
    expect(kinds).toEqual({
      ti: "intValue",
      si: "intValue",
      i: "intValue",
      bi: "intValue",
      uti: "intValue",
      usi: "intValue",
      ui: "intValue",
      ubi: "stringValue",
      hi: "stringValue",
      uhi: "stringValue",
      f: "doubleValue",
      d: "doubleValue",
      dec: "stringValue",
      dec38: "stringValue",
      s: "stringValue",
      bl: "bytesValue",
      bo: "boolValue",
      dt: "stringValue",
      tm: "stringValue",
      ts: "timestampValue",
      tstz: "timestampValue",
      tsns: "timestampValue",
      iv: "recordValue",
      u: "stringValue",
      l: "listValue",
      st: "recordValue",
      m: "mapValue",
      e: "stringValue",
      n: "nullValue",
    });
    expect(Object.fromEntries(Object.entries(row).map(([k, val]) => [k, plain(val)]))).toEqual({
      ti: -128n,
      si: 32767n,
      i: -2147483648n,
      bi: 9223372036854775807n,
      uti: 255n,
      usi: 65535n,
      ui: 4294967295n,
      ubi: "18446744073709551615",
      hi: "170141183460469231731687303715884105727",
      uhi: "340282366920938463463374607431768211455",
      f: 1.5,
      d: 0.1,
      dec: "-12.50",
      dec38: "12345678901234567890.123456789012345678",
      s: "héllo",
      bl: [0, 255],
      bo: true,
      dt: "2024-02-29",
      tm: "13:45:01.123456",
      ts: { seconds: 1705322096n, nanos: 789012000 },
      tstz: { seconds: 1705322096n, nanos: 789012000 },
      tsns: { seconds: 1705322096n, nanos: 123456789 },
      iv: { months: 1n, days: 2n, micros: 3n },
      u: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
      l: [1n, 2n, null],
      st: { a: 1n, b: "x" },
      m: [["k", "1.5"]],
      e: "sad",
      n: null,
    });
  });

  it("binds every parameter kind back into the same values", async () => {
    const params: Record<string, duckdb.Value> = {
      i: v.i(-9223372036854775808n),
      d: v.d(-0.5),
      s: v.s("ü"),
      b: v.b(false),
      x: { kind: { $case: "bytesValue", value: Buffer.from([9, 8]) } },
      t: { kind: { $case: "timestampValue", value: { seconds: -1n, nanos: 500000000 } } },
      n: v.null,
      l: { kind: { $case: "listValue", value: { values: [v.s("a"), v.null] } } },
      r: {
        kind: { $case: "recordValue", value: { names: ["x", "y"], values: [v.i(1n), v.b(true)] } },
      },
      m: { kind: { $case: "mapValue", value: { keys: [v.i(1n)], values: [v.s("one")] } } },
    };
    const names = Object.keys(params);
    const r = await alice.executeQuery({
      databaseId: db,
      query: `SELECT ${names.map((n) => `$${n} AS ${n}`).join(", ")}`,
      parameters: params,
    });
    expect(r.rows[0]!.values).toEqual(names.map((n) => params[n]));
  });
});

describe("ExecuteQueryStream", () => {
  it("streams a large result in chunks, columns first and is_last at the end", async () => {
    const chunks = await collect(
      alice.executeQueryStream({
        databaseId: db,
        query: "SELECT range AS n, 'x' || range AS s FROM range(50000)",
      }),
    );
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks[0]).toMatchObject({ columns: ["n", "s"], columnTypes: ["BIGINT", "VARCHAR"] });
    expect(chunks.at(-1)?.isLast).toBe(true);
    const rows = chunks.flatMap((c) => c.rows);
    expect(rows).toHaveLength(50000);
    expect(plain(rows[49999]!.values[0])).toBe(49999n);
  });

  it("sends columns and is_last for an empty result", async () => {
    const chunks = await collect(
      alice.executeQueryStream({ databaseId: db, query: "SELECT 1 AS a WHERE false" }),
    );
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toMatchObject({ columns: ["a"], isLast: true, rows: [] });
  });

  it("fails with the status of bad SQL, a timeout or a missing database", async () => {
    await expect(
      collect(alice.executeQueryStream({ databaseId: db, query: "SELEC" })),
    ).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
    });
    await expect(
      collect(
        alice.executeQueryStream({
          databaseId: db,
          query: "SELECT * FROM range(10000000000)",
          timeoutSeconds: 1,
        }),
      ),
    ).rejects.toMatchObject({ code: Status.DEADLINE_EXCEEDED });
    await expect(
      collect(alice.executeQueryStream({ databaseId: "missing", query: "SELECT 1" })),
    ).rejects.toMatchObject({
      code: Status.NOT_FOUND,
    });
  });

  it("frees the connection when the client stops reading", async () => {
    for (let i = 0; i < 12; i++) {
      for await (const _chunk of alice.executeQueryStream({
        databaseId: db,
        query: "SELECT * FROM range(10000000)",
      })) {
        break;
      }
    }
    expect(rowsOf(await alice.executeQuery({ databaseId: db, query: "SELECT 2" }))).toEqual([[2n]]);
  });
});

describe("ExecuteQueryColumnar", () => {
  it("streams packed column vectors with NULL bitmaps", async () => {
    const chunks = await collect(
      alice.executeQueryColumnar({
        databaseId: db,
        query: `SELECT range::INTEGER AS i, CASE WHEN range % 2 = 0 THEN range * 0.5 END AS d,
                       range % 3 = 0 AS b, 'v' || range AS s, [range] AS l,
                       TIMESTAMP '2024-01-01' + INTERVAL (range) SECOND AS t
                  FROM range(10000)`,
      }),
    );
    expect(chunks[0]).toMatchObject({
      columns: ["i", "d", "b", "s", "l", "t"],
      columnTypes: ["INTEGER", "DECIMAL(21,1)", "BOOLEAN", "VARCHAR", "BIGINT[]", "TIMESTAMP"],
    });
    expect(chunks.at(-1)?.isLast).toBe(true);
    expect(chunks.reduce((n, c) => n + c.rowCount, 0)).toBe(10000);
    const first = chunks[0]!;
    const ints = first.vectors[0]!.data;
    expect(ints?.$case).toBe("int64Data");
    const view = Buffer.from(ints!.value as Uint8Array);
    expect(view.readBigInt64LE(8 * 7)).toBe(7n);
    expect(first.vectors[1]!.data?.$case).toBe("stringData");
    expect(first.vectors[1]!.nullBitmap[0]! & 0b10).toBe(0b10);
    expect(first.vectors[2]!.data?.$case).toBe("boolData");
    expect(first.vectors[4]!.data?.$case).toBe("valueData");
    const ts = Buffer.from(first.vectors[5]!.data!.value as Uint8Array);
    expect(ts.readBigInt64LE(8)).toBe(1704067201000000n);
  });

  it("fails with INVALID_ARGUMENT for bad SQL", async () => {
    await expect(
      collect(alice.executeQueryColumnar({ databaseId: db, query: "SELEC" })),
    ).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
    });
  });
});

describe("ExecuteStatement, ExecuteBatch and PrepareStatement", () => {
  it("reports affected rows of a statement", async () => {
    await alice.executeStatement({
      databaseId: db,
      statement: "CREATE TABLE kv (k VARCHAR PRIMARY KEY, v INTEGER)",
    });
    const r = await alice.executeStatement({
      databaseId: db,
      statement: "INSERT INTO kv VALUES ($k, $v), ('b', 2)",
      parameters: { k: v.s("a"), v: v.i(1n) },
    });
    expect(r.affectedRows).toBe(2);
    await expect(
      alice.executeStatement({ databaseId: db, statement: "INSERT INTO kv VALUES ('a', 9)" }),
    ).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
    });
    await expect(
      alice.executeStatement({ databaseId: db, statement: "BEGIN" }),
    ).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
    });
  });

  it("runs a batch in one transaction and rolls it all back when a statement fails", async () => {
    await alice.executeStatement({ databaseId: db, statement: "CREATE TABLE ledger (n INTEGER)" });
    const ok = await alice.executeBatch({
      databaseId: db,
      statements: ["INSERT INTO ledger VALUES (1)", "INSERT INTO ledger VALUES (2), (3)"],
      transaction: true,
    });
    expect(ok.results.map((r) => r.affectedRows)).toEqual([1, 2]);
    await expect(
      alice.executeBatch({
        databaseId: db,
        statements: ["INSERT INTO ledger VALUES (4)", "INSERT INTO nowhere VALUES (5)"],
        transaction: true,
      }),
    ).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
      details: expect.stringContaining("rolled back"),
    });
    expect(
      rowsOf(await alice.executeQuery({ databaseId: db, query: "SELECT count(*) FROM ledger" })),
    ).toEqual([[3n]]);
  });

  it("applies statements one by one without a transaction and says how far it got", async () => {
    await expect(
      alice.executeBatch({
        databaseId: db,
        statements: ["INSERT INTO ledger VALUES (10)", "SELEC", "INSERT INTO ledger VALUES (11)"],
      }),
    ).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
      details: expect.stringContaining("statements 1 to 1 were applied"),
    });
    expect(
      rowsOf(await alice.executeQuery({ databaseId: db, query: "SELECT max(n) FROM ledger" })),
    ).toEqual([[10n]]);
    await expect(alice.executeBatch({ databaseId: db, statements: [] })).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
    });
  });

  it("does not let a BEGIN left open in a batch leak into later calls", async () => {
    await alice.executeBatch({
      databaseId: db,
      statements: ["BEGIN", "INSERT INTO ledger VALUES (99)"],
    });
    expect(
      rowsOf(
        await alice.executeQuery({
          databaseId: db,
          query: "SELECT count(*) FROM ledger WHERE n = 99",
        }),
      ),
    ).toEqual([[0n]]);
  });

  it("prepares a statement, reports parameter types and runs it by id", async () => {
    const prepared = await alice.prepareStatement({
      databaseId: db,
      statement: "SELECT count(*) FROM events WHERE id < $max",
    });
    expect(prepared.statementId).toMatch(/^stmt_/);
    expect(prepared.parameterTypes).toEqual(["INTEGER"]);
    const r = await alice.executeQuery({
      databaseId: db,
      query: prepared.statementId,
      parameters: { max: v.i(10n) },
    });
    expect(rowsOf(r)).toEqual([[10n]]);
    await expect(
      alice.executeQuery({ databaseId: db, query: "stmt_00000000-0000-0000-0000-000000000000" }),
    ).rejects.toMatchObject({ code: Status.NOT_FOUND });
    await expect(
      alice.prepareStatement({ databaseId: db, statement: "SELEC" }),
    ).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
    });
    await expect(
      alice.prepareStatement({ databaseId: db, statement: "SELECT 1; SELECT 2" }),
    ).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
    });
  });
});

describe("concurrency", () => {
  it("runs many calls at once on one database, each on its own connection", async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        alice.executeQuery({
          databaseId: db,
          query: "SELECT $i::INTEGER * 2",
          parameters: { i: v.i(BigInt(i)) },
        }),
      ),
    );
    expect(results.map((r) => plain(r.rows[0]!.values[0]))).toEqual(
      Array.from({ length: 20 }, (_, i) => BigInt(i * 2)),
    );
  });

  it("fails conflicting concurrent writes with ABORTED, not a crash", async () => {
    await alice.executeStatement({
      databaseId: db,
      statement: "CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)",
    });
    await alice.executeStatement({
      databaseId: db,
      statement: "INSERT INTO counter VALUES (1, 0)",
    });
    // The first transaction updates the row, then stays open through a long query...
    const first = alice.executeBatch({
      databaseId: db,
      statements: [
        "UPDATE counter SET n = n + 1 WHERE id = 1",
        "SELECT count(*) FROM range(300000000) a WHERE a.range % 7 = 3",
      ],
      transaction: true,
    });
    await waitFor(async () => (await alice.getMetrics({ databaseId: db })).activeConnections > 0n);
    await new Promise((r) => setTimeout(r, 200));
    // ...so a second update of the same row conflicts.
    await expect(
      alice.executeStatement({
        databaseId: db,
        statement: "UPDATE counter SET n = n + 10 WHERE id = 1",
      }),
    ).rejects.toMatchObject({ code: Status.ABORTED });
    await first;
    const n = await alice.executeQuery({ databaseId: db, query: "SELECT n FROM counter" });
    expect(rowsOf(n)).toEqual([[1n]]);
  });
});

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("condition not reached");
}
