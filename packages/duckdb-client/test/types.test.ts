import { InvalidArgumentError } from "@isa-cloud/rpc/wire";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asJson, createDuckdbClient, type DuckdbClient, type Interval } from "../src/index.js";
import { type Stack, startStack } from "./stack.js";

const DB = "types";

describe("typed results and parameters", () => {
  let stack: Stack;
  let client: DuckdbClient;

  beforeAll(async () => {
    stack = await startStack();
    client = await stack.client("typist");
    await client.createDatabase(DB);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** Runs sql through query() and through both stream transports, which must agree. */
  async function one(sql: string, params?: Record<string, unknown>) {
    const { rows, columns } = await client.query(DB, sql, params);
    expect(rows).toHaveLength(1);
    for (const transport of ["columnar", "rows"] as const) {
      const streamed: unknown[] = [];
      const stream = client.queryStream(DB, sql, params, { transport });
      for await (const row of stream) streamed.push(row);
      expect(streamed, `${transport} stream of ${sql}`).toEqual(rows);
      expect(stream.columns).toEqual(columns);
    }
    return { row: rows[0]!, columns };
  }

  it("gives integers of 32 bits or less as numbers, wider ones as exact bigints", async () => {
    const { row, columns } = await one(`SELECT
      (-128)::TINYINT AS ti, (-32768)::SMALLINT AS si, (-2147483648)::INTEGER AS i,
      255::UTINYINT AS uti, 65535::USMALLINT AS usi, 4294967295::UINTEGER AS ui,
      (-9223372036854775808)::BIGINT AS bi, 18446744073709551615::UBIGINT AS ubi,
      (-170141183460469231731687303715884105728)::HUGEINT AS hi,
      340282366920938463463374607431768211455::UHUGEINT AS uhi`);
    expect(row).toEqual({
      ti: -128,
      si: -32768,
      i: -2147483648,
      uti: 255,
      usi: 65535,
      ui: 4294967295,
      bi: -9223372036854775808n,
      ubi: 18446744073709551615n,
      hi: -(2n ** 127n),
      uhi: 2n ** 128n - 1n,
    });
    expect(columns.map((c) => c.type)).toEqual([
      "TINYINT",
      "SMALLINT",
      "INTEGER",
      "UTINYINT",
      "USMALLINT",
      "UINTEGER",
      "BIGINT",
      "UBIGINT",
      "HUGEINT",
      "UHUGEINT",
    ]);
  });

  it("gives FLOAT and DOUBLE as numbers and DECIMAL as exact text", async () => {
    const { row, columns } = await one(`SELECT 1.5::FLOAT AS f, 0.1::DOUBLE AS d,
      'NaN'::DOUBLE AS nan, (-12.50)::DECIMAL(10,2) AS dec,
      123456789012345678901234567890.12345678::DECIMAL(38,8) AS wide`);
    expect(row.f).toBe(1.5);
    expect(row.d).toBe(0.1);
    expect(row.nan).toBeNaN();
    expect(row.dec).toBe("-12.50");
    expect(row.wide).toBe("123456789012345678901234567890.12345678");
    expect(columns[3]!.type).toBe("DECIMAL(10,2)");
  });

  it("gives VARCHAR, UUID, BIT, JSON, ENUM, BOOLEAN and BLOB as their JS forms", async () => {
    await client.execute(DB, "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')");
    const { row } = await one(`SELECT 'héllo ✓'::VARCHAR AS v,
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::UUID AS u, '0101'::BIT AS bit,
      '{"a": [1, 2]}'::JSON AS j, 'happy'::mood AS e, true AS b, '\\x00\\xFFa'::BLOB AS blob`);
    expect(row).toEqual({
      v: "héllo ✓",
      u: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
      bit: "0101",
      j: '{"a": [1, 2]}',
      e: "happy",
      b: true,
      blob: new Uint8Array([0, 255, 97]),
    });
    expect(row.blob).toBeInstanceOf(Uint8Array);
  });

  it("gives DATE and TIME as DuckDB's text, and infinite dates as text too", async () => {
    const { row } = await one(`SELECT DATE '2024-02-29' AS d, TIME '13:45:00.123456' AS t,
      TIMETZ '13:45:00+02' AS ttz, 'infinity'::DATE AS dinf, '-infinity'::DATE AS dninf`);
    expect(row).toEqual({
      d: "2024-02-29",
      t: "13:45:00.123456",
      ttz: "13:45:00+02",
      dinf: "infinity",
      dninf: "-infinity",
    });
  });

  it("gives every TIMESTAMP kind as a Date, and infinite ones as text", async () => {
    const { row } = await one(`SELECT TIMESTAMP '2024-01-02 03:04:05.123456' AS ts,
      TIMESTAMP_S '2024-01-02 03:04:05' AS ts_s, TIMESTAMP_MS '2024-01-02 03:04:05.123' AS ts_ms,
      TIMESTAMP_NS '2024-01-02 03:04:05.123456789' AS ts_ns,
      TIMESTAMPTZ '2024-01-02 03:04:05.123456+00' AS tstz,
      TIMESTAMP '1969-12-31 23:59:59.999' AS before_epoch,
      'infinity'::TIMESTAMP AS tinf, '-infinity'::TIMESTAMPTZ AS tninf`);
    expect(row).toEqual({
      ts: new Date("2024-01-02T03:04:05.123Z"),
      ts_s: new Date("2024-01-02T03:04:05.000Z"),
      ts_ms: new Date("2024-01-02T03:04:05.123Z"),
      ts_ns: new Date("2024-01-02T03:04:05.123Z"),
      tstz: new Date("2024-01-02T03:04:05.123Z"),
      before_epoch: new Date("1969-12-31T23:59:59.999Z"),
      tinf: "infinity",
      tninf: "-infinity",
    });
  });

  it("gives timestamps as exact microseconds when asked", async () => {
    const micros = await stack.client("typist", { timestamps: "micros" });
    const { rows } = await micros.query(
      DB,
      "SELECT TIMESTAMP '2024-01-02 03:04:05.123456' AS ts, TIMESTAMP '1969-12-31 23:59:59.999999' AS early",
    );
    expect(rows[0]).toEqual({ ts: 1704164645123456n, early: -1n });
    const perQuery = await client.query(
      DB,
      "SELECT TIMESTAMP_MS '1970-01-01 00:00:01.5' AS t",
      {},
      {
        timestamps: "micros",
      },
    );
    expect(perQuery.rows[0]).toEqual({ t: 1_500_000n });
  });

  it("gives INTERVAL as months, days and bigint microseconds", async () => {
    const { row } = await one(
      "SELECT INTERVAL '1 year 2 months 3 days 04:05:06.000007' AS iv, INTERVAL '-1 day' AS neg",
    );
    expect(row.iv).toEqual({ months: 14, days: 3, micros: 14_706_000_007n } satisfies Interval);
    expect(row.neg).toEqual({ months: 0, days: -1, micros: 0n });
  });

  it("gives LIST and ARRAY as arrays, STRUCT as objects, MAP as Maps, nested", async () => {
    const { row } = await one(`SELECT [1, NULL, 3]::INTEGER[] AS l, [1, 2, 3]::BIGINT[3] AS a,
      {'x': 1::BIGINT, 'tags': ['p', 'q'], 'inner': {'d': DATE '2024-01-01'}} AS s,
      MAP {'k1': [10::HUGEINT], 'k2': []} AS m,
      [{'n': 1}, {'n': 2}] AS list_of_structs, []::INTEGER[] AS empty`);
    expect(row).toEqual({
      l: [1, null, 3],
      a: [1n, 2n, 3n],
      s: { x: 1n, tags: ["p", "q"], inner: { d: "2024-01-01" } },
      m: new Map([
        ["k1", [10n]],
        ["k2", []],
      ]),
      list_of_structs: [{ n: 1 }, { n: 2 }],
      empty: [],
    });
  });

  it("gives a UNION as its active member's value", async () => {
    const { row } = await one(`SELECT union_value(n := 5)::UNION(n INTEGER, s VARCHAR) AS a,
      union_value(s := 'five')::UNION(n INTEGER, s VARCHAR) AS b`);
    expect(row).toEqual({ a: 5, b: "five" });
  });

  it("gives NULL of every type as null", async () => {
    const { row } = await one(`SELECT NULL AS n, NULL::BIGINT AS bi, NULL::DECIMAL(4,1) AS dec,
      NULL::TIMESTAMP AS ts, NULL::INTEGER[] AS l, NULL::STRUCT(a INTEGER) AS s,
      NULL::MAP(VARCHAR, INTEGER) AS m, NULL::INTERVAL AS iv, NULL::BLOB AS b`);
    expect(Object.values(row).every((v) => v === null)).toBe(true);
    expect(Object.keys(row)).toHaveLength(9);
  });

  it("types rows by the caller's row type", async () => {
    interface Sale {
      id: bigint;
      amount: string;
    }
    const { rows } = await client.query<Sale>(
      DB,
      "SELECT 7::BIGINT AS id, 9.99::DECIMAL(6,2) AS amount",
    );
    const sale: Sale = rows[0]!;
    expect(sale.id + 1n).toBe(8n);
    expect(sale.amount).toBe("9.99");
  });

  it("binds every JS parameter type to the SQL type of the mapping table", async () => {
    const when = new Date("2024-05-06T07:08:09.010Z");
    const { row } = await one(
      `SELECT $int AS int, typeof($int) AS int_t, $float AS float, typeof($float) AS float_t,
        $big AS big, $huge::HUGEINT AS huge, $str AS str, $yes AS yes, typeof($yes) AS yes_t,
        $nil AS nil, $undef AS undef, $when AS "when", typeof($when) AS when_t,
        $bytes AS bytes, $buf AS buf, $list AS list, $rec AS rec, $map AS map,
        $doc::VARCHAR AS doc`,
      {
        int: 42,
        float: 2.5,
        big: 2n ** 62n,
        huge: 2n ** 100n,
        str: "it's 'quoted'; DROP TABLE x; --",
        yes: true,
        nil: null,
        undef: undefined,
        when,
        bytes: new Uint8Array([1, 2, 3]),
        buf: Buffer.from("hi"),
        list: [1, 2, 3],
        rec: { a: 1, b: "x", c: [true] },
        map: new Map([["k", 1.5]]),
        doc: asJson({ a: [1, "b", null] }),
      },
    );
    expect(row).toEqual({
      int: 42n,
      int_t: "BIGINT",
      float: 2.5,
      float_t: "DOUBLE",
      big: 2n ** 62n,
      huge: 2n ** 100n,
      str: "it's 'quoted'; DROP TABLE x; --",
      yes: true,
      yes_t: "BOOLEAN",
      nil: null,
      undef: null,
      when,
      when_t: "TIMESTAMP WITH TIME ZONE",
      bytes: new Uint8Array([1, 2, 3]),
      buf: new Uint8Array(Buffer.from("hi")),
      list: [1n, 2n, 3n],
      rec: { a: 1n, b: "x", c: [true] },
      map: new Map([["k", 1.5]]),
      doc: '{"a":[1,"b",null]}',
    });
  });

  it("lets DuckDB cast parameters into typed columns", async () => {
    await client.execute(
      DB,
      `CREATE TABLE typed (i INTEGER, d DECIMAL(10,2), day DATE, seen_at TIMESTAMP, tags VARCHAR[],
        pt STRUCT(x INTEGER, y INTEGER), blob BLOB, flag BOOLEAN)`,
    );
    const { affectedRows } = await client.execute(
      DB,
      "INSERT INTO typed VALUES ($i, $d, $day, $seen_at, $tags, $pt, $blob, $flag)",
      {
        i: 7,
        d: "12.34",
        day: "2024-03-01",
        seen_at: new Date("2024-03-01T10:00:00Z"),
        tags: ["a", "b"],
        pt: { x: 1, y: 2 },
        blob: Buffer.from([9]),
        flag: false,
      },
    );
    expect(affectedRows).toBe(1);
    const { row } = await one("SELECT * FROM typed");
    expect(row).toEqual({
      i: 7,
      d: "12.34",
      day: "2024-03-01",
      seen_at: new Date("2024-03-01T10:00:00Z"),
      tags: ["a", "b"],
      pt: { x: 1, y: 2 },
      blob: new Uint8Array([9]),
      flag: false,
    });
  });

  it("rejects a parameter with no SQL form with InvalidArgumentError, before any call", async () => {
    // Nothing listens on this address: an attempted call would be ServiceUnavailableError.
    const offline = createDuckdbClient({ address: "127.0.0.1:9", retry: false });
    try {
      for (const bad of [() => 1, Symbol("s"), new Set([1]), { nested: [new WeakMap()] }]) {
        await expect(offline.query(DB, "SELECT $p", { p: bad })).rejects.toBeInstanceOf(
          InvalidArgumentError,
        );
        await expect(offline.execute(DB, "SELECT $p", { p: bad })).rejects.toBeInstanceOf(
          InvalidArgumentError,
        );
        const stream = offline.queryStream(DB, "SELECT $p", { p: bad });
        await expect(stream[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(
          InvalidArgumentError,
        );
      }
      await expect(offline.query(DB, "SELECT 1", {}, { maxRows: -1 })).rejects.toBeInstanceOf(
        InvalidArgumentError,
      );
    } finally {
      offline.close();
    }
  });

  it("reports a parameter the SQL does not use, or a missing one, as InvalidArgumentError", async () => {
    await expect(client.query(DB, "SELECT $a AS a", {})).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(client.query(DB, "SELECT $a AS a", { a: 1, b: 2 })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
  });
});
