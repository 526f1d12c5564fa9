import type { duckdb } from "@isa-cloud/proto";
import { describe, expect, it } from "vitest";
import { createColumnarDecoder } from "./columnar-decoder.js";

type Vector = duckdb.ColumnVector;

function int64s(values: bigint[]): Uint8Array {
  // Offset by one byte: protobuf bytes fields are not aligned.
  const buf = new Uint8Array(values.length * 8 + 1).subarray(1);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  for (const [i, v] of values.entries()) view.setBigInt64(i * 8, v, true);
  return buf;
}

function float64s(values: number[]): Uint8Array {
  const buf = new Uint8Array(values.length * 8 + 3).subarray(3);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  for (const [i, v] of values.entries()) view.setFloat64(i * 8, v, true);
  return buf;
}

const vec = (data: Vector["data"], nullBitmap = new Uint8Array()): Vector => ({ nullBitmap, data });

function chunk(types: Record<string, string>, vectors: Vector[], rowCount: number) {
  const message: duckdb.ColumnarChunk = {
    columns: Object.keys(types),
    columnTypes: Object.values(types),
    rowCount,
    vectors,
    isLast: true,
    executionTimeMs: 0,
  };
  return message;
}

describe("createColumnarDecoder", () => {
  it("reads packed integers as numbers up to 32 bits and bigints beyond", () => {
    const types = { ti: "TINYINT", i: "INTEGER", ui: "UINTEGER", bi: "BIGINT", x: "MYSTERY" };
    const message = chunk(
      types,
      [
        vec({ $case: "int64Data", value: int64s([-128n, 5n]) }),
        vec({ $case: "int64Data", value: int64s([-2147483648n, 2147483647n]) }),
        vec({ $case: "int64Data", value: int64s([4294967295n, 0n]) }),
        vec({ $case: "int64Data", value: int64s([-(2n ** 63n), 2n ** 63n - 1n]) }),
        vec({ $case: "int64Data", value: int64s([7n, 2n ** 60n]) }),
      ],
      2,
    );
    const { decode } = createColumnarDecoder(message.columns, message.columnTypes);
    expect(decode(message)).toEqual([
      { ti: -128, i: -2147483648, ui: 4294967295, bi: -(2n ** 63n), x: 7 },
      { ti: 5, i: 2147483647, ui: 0, bi: 2n ** 63n - 1n, x: 2n ** 60n },
    ]);
  });

  it("reads timestamps as Dates or exact micros, far and infinite ones included", () => {
    const micros = [
      1_704_164_645_123_456n,
      -1n,
      253_402_300_799_999_999n, // 9999-12-31 23:59:59.999999
      2n ** 63n - 1n,
      -(2n ** 63n - 1n),
    ];
    const message = chunk(
      { t: "TIMESTAMP WITH TIME ZONE" },
      [vec({ $case: "int64Data", value: int64s(micros) })],
      5,
    );
    const dates = createColumnarDecoder(message.columns, message.columnTypes).decode(message);
    expect(dates.map((r) => r.t)).toEqual([
      new Date("2024-01-02T03:04:05.123Z"),
      new Date(-1),
      new Date("9999-12-31T23:59:59.999Z"),
      "infinity",
      "-infinity",
    ]);
    const exact = createColumnarDecoder(message.columns, message.columnTypes, {
      timestamps: "micros",
    }).decode(message);
    expect(exact.map((r) => r.t)).toEqual([...micros.slice(0, 3), "infinity", "-infinity"]);
  });

  it("reads doubles, booleans, strings, wide integers as text, and bytes", () => {
    const message = chunk(
      { d: "DOUBLE", b: "BOOLEAN", s: "VARCHAR", h: "HUGEINT", dec: "DECIMAL(4,1)", blob: "BLOB" },
      [
        vec({ $case: "float64Data", value: float64s([0.1, Number.NaN]) }),
        vec({ $case: "boolData", value: new Uint8Array([1, 0]) }),
        vec({ $case: "stringData", value: { values: ["héllo", ""] } }),
        vec({
          $case: "stringData",
          value: { values: ["-170141183460469231731687303715884105728", "1"] },
        }),
        vec({ $case: "stringData", value: { values: ["-1.5", "0.0"] } }),
        vec({
          $case: "bytesData",
          value: { values: [new Uint8Array([0, 255]), new Uint8Array()] },
        }),
      ],
      2,
    );
    const rows = createColumnarDecoder(message.columns, message.columnTypes).decode(message);
    expect(rows).toEqual([
      {
        d: 0.1,
        b: true,
        s: "héllo",
        h: -(2n ** 127n),
        dec: "-1.5",
        blob: new Uint8Array([0, 255]),
      },
      { d: Number.NaN, b: false, s: "", h: 1n, dec: "0.0", blob: new Uint8Array() },
    ]);
  });

  it("decodes Value vectors with the column type, nested ones included", () => {
    const int = (value: bigint): duckdb.Value => ({ kind: { $case: "intValue", value } });
    const message = chunk(
      { l: "BIGINT[]" },
      [
        vec({
          $case: "valueData",
          value: { values: [{ kind: { $case: "listValue", value: { values: [int(1n)] } } }] },
        }),
      ],
      1,
    );
    expect(createColumnarDecoder(message.columns, message.columnTypes).decode(message)).toEqual([
      { l: [1n] },
    ]);
  });

  it("gives null for rows set in the null bitmap, and for a vector with no data", () => {
    const message = chunk(
      { i: "INTEGER", s: "VARCHAR", n: '"NULL"' },
      [
        // Rows 0 and 9 are NULL: bit 0 of byte 0, bit 1 of byte 1.
        vec(
          { $case: "int64Data", value: int64s(Array.from({ length: 10 }, (_, i) => BigInt(i))) },
          new Uint8Array([0b1, 0b10]),
        ),
        vec({ $case: "stringData", value: { values: Array(10).fill("x") } }),
        vec(undefined),
      ],
      10,
    );
    const rows = createColumnarDecoder(message.columns, message.columnTypes).decode(message);
    expect(rows.map((r) => r.i)).toEqual([null, 1, 2, 3, 4, 5, 6, 7, 8, null]);
    expect(rows.every((r) => r.s === "x" && r.n === null)).toBe(true);
  });

  it("names repeated columns as the row path does", () => {
    const message = chunk({}, [], 0);
    const { columns } = createColumnarDecoder(["a", "a"], ["INTEGER", "INTEGER"]);
    expect(columns.map((c) => c.name)).toEqual(["a", "a_1"]);
    expect(createColumnarDecoder([], []).decode(message)).toEqual([]);
  });
});
