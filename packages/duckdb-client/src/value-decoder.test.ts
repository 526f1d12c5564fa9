import type { duckdb } from "@isa-cloud/proto";
import { describe, expect, it } from "vitest";
import { parseDuckdbType } from "./duckdb-type.js";
import { decoderFor, untypedDecoder } from "./value-decoder.js";

type Value = duckdb.Value;
const str = (value: string): Value => ({ kind: { $case: "stringValue", value } });
const int = (value: bigint): Value => ({ kind: { $case: "intValue", value } });
const dbl = (value: number): Value => ({ kind: { $case: "doubleValue", value } });
const bool = (value: boolean): Value => ({ kind: { $case: "boolValue", value } });
const bytes = (value: Uint8Array): Value => ({ kind: { $case: "bytesValue", value } });
const ts = (seconds: bigint, nanos: number): Value => ({
  kind: { $case: "timestampValue", value: { seconds, nanos } },
});
const NULL: Value = { kind: { $case: "nullValue", value: 0 } };
const list = (...values: Value[]): Value => ({ kind: { $case: "listValue", value: { values } } });
const record = (fields: Record<string, Value>): Value => ({
  kind: {
    $case: "recordValue",
    value: { names: Object.keys(fields), values: Object.values(fields) },
  },
});
const map = (entries: [Value, Value][]): Value => ({
  kind: {
    $case: "mapValue",
    value: { keys: entries.map((e) => e[0]), values: entries.map((e) => e[1]) },
  },
});

const decode = (type: string, value: Value, timestamps?: "date" | "micros") =>
  decoderFor(parseDuckdbType(type), timestamps ? { timestamps } : {})(value);

describe("decoding values by column type", () => {
  it("gives numbers for integers of 32 bits or less", () => {
    for (const type of ["TINYINT", "SMALLINT", "INTEGER", "UTINYINT", "USMALLINT", "UINTEGER"]) {
      expect(decode(type, int(-7n))).toBe(-7);
    }
    expect(decode("UINTEGER", int(4_294_967_295n))).toBe(4_294_967_295);
  });

  it("gives bigints for BIGINT, and for UBIGINT and HUGEINT sent as digits", () => {
    expect(decode("BIGINT", int(-(2n ** 63n)))).toBe(-(2n ** 63n));
    expect(decode("UBIGINT", str("18446744073709551615"))).toBe(18446744073709551615n);
    expect(decode("UBIGINT", int(5n))).toBe(5n);
    expect(decode("HUGEINT", str("-170141183460469231731687303715884105728"))).toBe(-(2n ** 127n));
    expect(decode("UHUGEINT", str("340282366920938463463374607431768211455"))).toBe(
      2n ** 128n - 1n,
    );
  });

  it("gives numbers for FLOAT and DOUBLE, special values included", () => {
    expect(decode("DOUBLE", dbl(1.5))).toBe(1.5);
    expect(decode("FLOAT", dbl(Number.NaN))).toBeNaN();
    expect(decode("DOUBLE", dbl(Number.NEGATIVE_INFINITY))).toBe(Number.NEGATIVE_INFINITY);
  });

  it("keeps DECIMAL as exact text", () => {
    expect(decode("DECIMAL(10,2)", str("-12.50"))).toBe("-12.50");
    expect(decode("DECIMAL(38,10)", str("12345678901234567890.0123456789"))).toBe(
      "12345678901234567890.0123456789",
    );
  });

  it("gives strings for VARCHAR, ENUM, UUID, BIT, JSON, DATE and TIME", () => {
    expect(decode("VARCHAR", str("héllo"))).toBe("héllo");
    expect(decode("ENUM('a', 'b')", str("b"))).toBe("b");
    expect(decode("UUID", str("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"))).toBe(
      "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
    );
    expect(decode("BIT", str("0101"))).toBe("0101");
    expect(decode("JSON", str('{"a":1}'))).toBe('{"a":1}');
    expect(decode("DATE", str("2024-02-29"))).toBe("2024-02-29");
    expect(decode("DATE", str("infinity"))).toBe("infinity");
    expect(decode("TIME", str("13:45:00.123456"))).toBe("13:45:00.123456");
    expect(decode("TIME WITH TIME ZONE", str("13:45:00+02"))).toBe("13:45:00+02");
  });

  it("gives booleans and bytes as they are", () => {
    expect(decode("BOOLEAN", bool(false))).toBe(false);
    const blob = new Uint8Array([0, 255, 7]);
    const decoded = decode("BLOB", bytes(blob));
    // A copy: the decoded field is a view into the whole received message.
    expect(decoded).toEqual(blob);
    expect(decoded).not.toBe(blob);
  });

  it("gives Dates for every TIMESTAMP kind, or exact micros when asked", () => {
    for (const type of [
      "TIMESTAMP",
      "TIMESTAMP_S",
      "TIMESTAMP_MS",
      "TIMESTAMP_NS",
      "TIMESTAMP WITH TIME ZONE",
    ]) {
      expect(decode(type, ts(1_700_000_000n, 123_456_000))).toEqual(new Date(1_700_000_000_123));
    }
    expect(decode("TIMESTAMP", ts(1_700_000_000n, 123_456_000), "micros")).toBe(
      1_700_000_000_123_456n,
    );
    expect(decode("TIMESTAMP", ts(-1n, 999_999_000), "micros")).toBe(-1n);
  });

  it("passes infinite timestamps through as DuckDB's text", () => {
    expect(decode("TIMESTAMP", str("infinity"))).toBe("infinity");
    expect(decode("TIMESTAMP WITH TIME ZONE", str("-infinity"), "micros")).toBe("-infinity");
  });

  it("gives INTERVAL as months, days and bigint micros", () => {
    expect(
      decode("INTERVAL", record({ months: int(14n), days: int(-3n), micros: int(5_000_001n) })),
    ).toEqual({ months: 14, days: -3, micros: 5_000_001n });
  });

  it("gives null for NULL of any type, and for a value with no member set", () => {
    for (const type of [
      "INTEGER",
      "BIGINT",
      "VARCHAR",
      "INTEGER[]",
      "STRUCT(a INTEGER)",
      "MAP(INTEGER, INTEGER)",
    ]) {
      expect(decode(type, NULL)).toBeNull();
      expect(decode(type, {})).toBeNull();
    }
    expect(decoderFor(parseDuckdbType("INTEGER"))(undefined)).toBeNull();
  });

  it("decodes nested values with the element, field, key and value types", () => {
    expect(decode("BIGINT[]", list(int(1n), NULL, int(3n)))).toEqual([1n, null, 3n]);
    expect(decode("INTEGER[2][]", list(list(int(1n), int(2n)), list()))).toEqual([[1, 2], []]);
    expect(
      decode(
        "STRUCT(id BIGINT, tags VARCHAR[], at TIMESTAMP, inner STRUCT(n INTEGER))",
        record({
          id: int(9n),
          tags: list(str("x")),
          at: ts(0n, 0),
          inner: record({ n: int(2n) }),
        }),
      ),
    ).toEqual({ id: 9n, tags: ["x"], at: new Date(0), inner: { n: 2 } });
    const decoded = decode(
      "MAP(VARCHAR, HUGEINT[])",
      map([
        [str("a"), list(str("1"))],
        [str("b"), NULL],
      ]),
    );
    expect(decoded).toEqual(
      new Map<string, unknown>([
        ["a", [1n]],
        ["b", null],
      ]),
    );
  });

  it("keeps a STRUCT field named __proto__ as a field", () => {
    const out = decode("STRUCT(__proto__ INTEGER)", {
      kind: { $case: "recordValue", value: { names: ["__proto__"], values: [int(1n)] } },
    }) as object;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(["__proto__"]);
  });

  it("decodes a UNION by the member type that travels in the arriving member", () => {
    const type = 'UNION("n" BIGINT, "s" VARCHAR, "l" INTEGER[])';
    expect(decode(type, int(5n))).toBe(5n);
    expect(decode(type, str("five"))).toBe("five");
    expect(decode(type, list(int(5n)))).toEqual([5]);
    expect(decode(type, NULL)).toBeNull();
  });

  it("falls back to the member alone when the member does not match the type", () => {
    expect(decode("INTEGER", str("oops"))).toBe("oops");
    expect(decode("INTEGER[]", int(1n))).toBe(1);
  });
});

describe("decoding values without a type", () => {
  const untyped = untypedDecoder();
  it("gives safe integers as numbers and larger ones as bigints", () => {
    expect(untyped(int(42n))).toBe(42);
    expect(untyped(int(2n ** 60n))).toBe(2n ** 60n);
  });

  it("decodes every member", () => {
    expect(untyped(str("s"))).toBe("s");
    expect(untyped(dbl(0.5))).toBe(0.5);
    expect(untyped(bool(true))).toBe(true);
    expect(untyped(ts(1n, 0))).toEqual(new Date(1000));
    expect(untypedDecoder({ timestamps: "micros" })(ts(1n, 0))).toBe(1_000_000n);
    expect(untyped({ kind: { $case: "structValue", value: { a: [1, "x"] } } })).toEqual({
      a: [1, "x"],
    });
    expect(untyped(list(int(1n), record({ a: NULL })))).toEqual([1, { a: null }]);
    expect(untyped(map([[int(1n), str("one")]]))).toEqual(new Map([[1, "one"]]));
  });
});
