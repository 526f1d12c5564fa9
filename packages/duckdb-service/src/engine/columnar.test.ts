import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { encodeColumn } from "./columnar.js";

async function column(expr: string) {
  const instance = await DuckDBInstance.create(":memory:");
  const conn = await instance.connect();
  try {
    const reader = await conn.runAndReadAll(`SELECT ${expr} AS c FROM (VALUES (1), (2), (3)) v(n)`);
    const values = reader.getColumns()[0]!;
    return encodeColumn(values, reader.columnTypes()[0]!, 0, values.length);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

const int64s = (data: Uint8Array) =>
  Array.from({ length: data.length / 8 }, (_, i) => Buffer.from(data).readBigInt64LE(i * 8));

describe("encodeColumn", () => {
  it("packs integers as 8-byte little-endian with a NULL bitmap", async () => {
    const { vector } = await column("CASE WHEN n = 2 THEN NULL ELSE n::BIGINT * -1000000000 END");
    expect(vector.data?.$case).toBe("int64Data");
    expect(int64s(vector.data!.value as Uint8Array)).toEqual([-1000000000n, 0n, -3000000000n]);
    expect([...vector.nullBitmap]).toEqual([0b010]);
  });

  it("leaves the bitmap empty when no row is NULL", async () => {
    const { vector } = await column("n::DOUBLE / 2");
    expect(vector.nullBitmap.length).toBe(0);
    expect(vector.data?.$case).toBe("float64Data");
  });

  it("packs every TIMESTAMP kind as microseconds, flooring nanoseconds and keeping infinities", async () => {
    const ns = await column(
      "CASE n WHEN 1 THEN '1969-12-31 23:59:59.9999995'::TIMESTAMP_NS WHEN 2 THEN '1970-01-01 00:00:01.0000019'::TIMESTAMP_NS ELSE 'infinity'::TIMESTAMP_NS END",
    );
    expect(int64s(ns.vector.data!.value as Uint8Array)).toEqual([-1n, 1000001n, 2n ** 63n - 1n]);
    const s = await column("to_timestamp(n)::TIMESTAMP_S");
    expect(int64s(s.vector.data!.value as Uint8Array)).toEqual([1000000n, 2000000n, 3000000n]);
  });

  it("carries text types as strings, blobs as bytes and nested types as Values", async () => {
    expect((await column("n::DECIMAL(5,2)")).vector.data).toEqual({
      $case: "stringData",
      value: { values: ["1.00", "2.00", "3.00"] },
    });
    expect((await column("'\\x01'::BLOB")).vector.data?.$case).toBe("bytesData");
    expect((await column("[n]")).vector.data?.$case).toBe("valueData");
    expect((await column("n = 2")).vector.data).toEqual({
      $case: "boolData",
      value: new Uint8Array([0, 1, 0]),
    });
  });
});
