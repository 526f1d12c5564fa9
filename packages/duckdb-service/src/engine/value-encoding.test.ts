import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import type { duckdb } from "@isa-cloud/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EngineInfo, readEngineInfo } from "./engine-info.js";
import { encodeValue, NULL_VALUE } from "./value-encoding.js";

let instance: DuckDBInstance;
let conn: DuckDBConnection;
let engine: EngineInfo;

beforeAll(async () => {
  instance = await DuckDBInstance.create(":memory:");
  conn = await instance.connect();
  engine = await readEngineInfo();
});

afterAll(() => {
  conn.closeSync();
  instance.closeSync();
});

/** Encodes the single value `expr` evaluates to, with its column type name. */
async function one(expr: string): Promise<{ value: duckdb.Value; type: string }> {
  const reader = await conn.runAndReadAll(`SELECT ${expr} AS v`);
  const type = reader.columnTypes()[0]!;
  return { value: encodeValue(reader.getRows()[0]![0]!, type), type: engine.typeNamer.name(type) };
}

const s = (value: string): duckdb.Value => ({ kind: { $case: "stringValue", value } });
const i = (value: bigint): duckdb.Value => ({ kind: { $case: "intValue", value } });
const d = (value: number): duckdb.Value => ({ kind: { $case: "doubleValue", value } });
const ts = (seconds: bigint, nanos: number): duckdb.Value => ({
  kind: { $case: "timestampValue", value: { seconds, nanos } },
});

describe("encodeValue", () => {
  it.each([
    ["'-128'::TINYINT", "TINYINT", -128n],
    ["32767::SMALLINT", "SMALLINT", 32767n],
    ["'-2147483648'::INTEGER", "INTEGER", -2147483648n],
    ["9223372036854775807::BIGINT", "BIGINT", 9223372036854775807n],
    ["'-9223372036854775808'::BIGINT", "BIGINT", -9223372036854775808n],
    ["255::UTINYINT", "UTINYINT", 255n],
    ["65535::USMALLINT", "USMALLINT", 65535n],
    ["4294967295::UINTEGER", "UINTEGER", 4294967295n],
  ])("maps %s to int_value without loss", async (expr, type, expected) => {
    expect(await one(expr)).toEqual({ value: i(expected), type });
  });

  it.each([
    ["18446744073709551615::UBIGINT", "UBIGINT", "18446744073709551615"],
    [
      "'-170141183460469231731687303715884105728'::HUGEINT",
      "HUGEINT",
      "-170141183460469231731687303715884105728",
    ],
    [
      "340282366920938463463374607431768211455::UHUGEINT",
      "UHUGEINT",
      "340282366920938463463374607431768211455",
    ],
  ])("maps %s to exact decimal digits", async (expr, type, expected) => {
    expect(await one(expr)).toEqual({ value: s(expected), type });
  });

  it("maps FLOAT and DOUBLE to double_value, NaN and infinities included", async () => {
    expect(await one("1.5::FLOAT")).toEqual({ value: d(1.5), type: "FLOAT" });
    expect(await one("0.1::DOUBLE")).toEqual({ value: d(0.1), type: "DOUBLE" });
    expect((await one("'NaN'::DOUBLE")).value).toEqual(d(Number.NaN));
    expect((await one("'-Infinity'::DOUBLE")).value).toEqual(d(Number.NEGATIVE_INFINITY));
  });

  it("maps DECIMAL to its exact text", async () => {
    expect(await one("-12.50::DECIMAL(10,2)")).toEqual({
      value: s("-12.50"),
      type: "DECIMAL(10,2)",
    });
    expect(await one("'-0.05'::DECIMAL(3,2)")).toEqual({ value: s("-0.05"), type: "DECIMAL(3,2)" });
    expect(await one("'12345678901234567890123456.789012345678'::DECIMAL(38,12)")).toEqual({
      value: s("12345678901234567890123456.789012345678"),
      type: "DECIMAL(38,12)",
    });
  });

  it("maps BOOLEAN to bool_value", async () => {
    expect(await one("true")).toEqual({
      value: { kind: { $case: "boolValue", value: true } },
      type: "BOOLEAN",
    });
  });

  it("maps VARCHAR, ENUM, UUID, BIT and JSON to string_value", async () => {
    expect(await one("'héllo 🦆'")).toEqual({ value: s("héllo 🦆"), type: "VARCHAR" });
    expect(await one("'b'::ENUM('a', 'b')")).toEqual({ value: s("b"), type: "ENUM('a', 'b')" });
    expect(await one("'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::UUID")).toEqual({
      value: s("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
      type: "UUID",
    });
    expect(await one("'10101'::BIT")).toEqual({ value: s("10101"), type: "BIT" });
    expect(await one(`'{"a": 1}'::JSON`)).toEqual({ value: s('{"a": 1}'), type: "JSON" });
  });

  it("maps BLOB to bytes_value", async () => {
    const { value, type } = await one("'\\x00\\xFFa'::BLOB");
    expect(type).toBe("BLOB");
    expect(value.kind?.$case).toBe("bytesValue");
    expect([...((value.kind?.value as Uint8Array | undefined) ?? [])]).toEqual([0, 255, 97]);
  });

  it("maps DATE to DuckDB's text, infinities included", async () => {
    expect(await one("DATE '2024-02-29'")).toEqual({ value: s("2024-02-29"), type: "DATE" });
    expect((await one("'infinity'::DATE")).value).toEqual(s("infinity"));
    expect((await one("'-infinity'::DATE")).value).toEqual(s("-infinity"));
  });

  it("maps TIME and TIMETZ to DuckDB's text", async () => {
    expect(await one("TIME '13:45:01.123456'")).toEqual({
      value: s("13:45:01.123456"),
      type: "TIME",
    });
    expect(await one("'13:45:00+02'::TIMETZ")).toEqual({
      value: s("13:45:00+02"),
      type: "TIME WITH TIME ZONE",
    });
  });

  it("maps every TIMESTAMP kind to timestamp_value exactly", async () => {
    expect(await one("TIMESTAMP '2024-01-15 12:34:56.789012'")).toEqual({
      value: ts(1705322096n, 789012000),
      type: "TIMESTAMP",
    });
    expect(await one("'2024-01-15 12:34:56.789012+00'::TIMESTAMPTZ")).toEqual({
      value: ts(1705322096n, 789012000),
      type: "TIMESTAMP WITH TIME ZONE",
    });
    expect(await one("'1969-12-31 23:59:59.5'::TIMESTAMP")).toEqual({
      value: ts(-1n, 500000000),
      type: "TIMESTAMP",
    });
    expect((await one("'2020-01-01 00:00:01'::TIMESTAMP_S")).value).toEqual(ts(1577836801n, 0));
    expect((await one("'2020-01-01 00:00:01.123'::TIMESTAMP_MS")).value).toEqual(
      ts(1577836801n, 123000000),
    );
    expect(await one("'2020-01-01 00:00:01.123456789'::TIMESTAMP_NS")).toEqual({
      value: ts(1577836801n, 123456789),
      type: "TIMESTAMP_NS",
    });
  });

  it("maps infinite timestamps of every kind to 'infinity' text", async () => {
    for (const type of [
      "TIMESTAMP",
      "TIMESTAMPTZ",
      "TIMESTAMP_S",
      "TIMESTAMP_MS",
      "TIMESTAMP_NS",
    ]) {
      expect((await one(`'infinity'::${type}`)).value).toEqual(s("infinity"));
      expect((await one(`'-infinity'::${type}`)).value).toEqual(s("-infinity"));
    }
  });

  it("maps INTERVAL to a record of months, days and micros", async () => {
    expect(await one("INTERVAL '1 year 2 days 3 microseconds'")).toEqual({
      value: {
        kind: {
          $case: "recordValue",
          value: { names: ["months", "days", "micros"], values: [i(12n), i(2n), i(3n)] },
        },
      },
      type: "INTERVAL",
    });
  });

  it("maps LIST and ARRAY to list_value, recursively", async () => {
    expect(await one("[1, NULL, 3]::BIGINT[]")).toEqual({
      value: { kind: { $case: "listValue", value: { values: [i(1n), NULL_VALUE, i(3n)] } } },
      type: "BIGINT[]",
    });
    expect(await one("[1.5, 2.5]::DOUBLE[2]")).toEqual({
      value: { kind: { $case: "listValue", value: { values: [d(1.5), d(2.5)] } } },
      type: "DOUBLE[2]",
    });
    expect((await one("[[DATE '2024-01-01']]")).type).toBe("DATE[][]");
  });

  it("maps STRUCT to record_value with fields in declared order", async () => {
    expect(await one(`{'z': 1, '1': 'x', 'my field': 2.5::DECIMAL(3,1)}`)).toEqual({
      value: {
        kind: {
          $case: "recordValue",
          value: { names: ["z", "1", "my field"], values: [i(1n), s("x"), s("2.5")] },
        },
      },
      type: 'STRUCT(z INTEGER, "1" VARCHAR, "my field" DECIMAL(3,1))',
    });
  });

  it("maps MAP to map_value with keys and values in order", async () => {
    expect(await one("MAP {'b': 2, 'a': 1}")).toEqual({
      value: {
        kind: { $case: "mapValue", value: { keys: [s("b"), s("a")], values: [i(2n), i(1n)] } },
      },
      type: "MAP(VARCHAR, INTEGER)",
    });
  });

  it("maps UNION to its active member's value", async () => {
    const { value, type } = await one("union_value(num := 2)::UNION(num INTEGER, str VARCHAR)");
    expect(value).toEqual(i(2n));
    expect(type).toBe("UNION(num INTEGER, str VARCHAR)");
  });

  it("maps NULL of any type to null_value", async () => {
    for (const type of ["INTEGER", "VARCHAR", "TIMESTAMP", "INTEGER[]", "STRUCT(a INTEGER)"]) {
      expect((await one(`NULL::${type}`)).value).toEqual(NULL_VALUE);
    }
  });

  it("names the types of DuckDB's all-types table as typeof() does", async () => {
    const reader = await conn.runAndReadAll(
      "SELECT * EXCLUDE (medium_enum, large_enum) FROM test_all_types() LIMIT 1",
    );
    const names = reader.columnNames();
    const exprs = names.map((n) => `typeof("${n}")`).join(", ");
    const typeofs = await conn.runAndReadAll(
      `SELECT ${exprs} FROM (SELECT * EXCLUDE (medium_enum, large_enum) FROM test_all_types() LIMIT 1)`,
    );
    expect(reader.columnTypes().map((t) => engine.typeNamer.name(t))).toEqual(typeofs.getRows()[0]);
    // Every value of every type encodes (min, max and NULL rows).
    const all = await conn.runAndReadAll("SELECT * FROM test_all_types()");
    const types = all.columnTypes();
    for (const row of all.getRows()) {
      row.forEach((v, c) => {
        expect(() => encodeValue(v, types[c]!)).not.toThrow();
      });
    }
  });
});
