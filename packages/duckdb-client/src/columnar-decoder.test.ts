import { duckdb } from "@isa-cloud/proto";
import { describe, expect, it } from "vitest";
import { createColumnarDecoder } from "./columnar-decoder.js";
import { parseColumnarChunk } from "./columnar-frame.js";
import type { DecodeOptions } from "./value-decoder.js";

type Vector = duckdb.ColumnVector;

function int64s(values: bigint[]): Uint8Array {
  const buf = new Uint8Array(values.length * 8);
  const view = new DataView(buf.buffer);
  for (const [i, v] of values.entries()) view.setBigInt64(i * 8, v, true);
  return buf;
}

function float64s(values: number[]): Uint8Array {
  const buf = new Uint8Array(values.length * 8);
  const view = new DataView(buf.buffer);
  for (const [i, v] of values.entries()) view.setFloat64(i * 8, v, true);
  return buf;
}

const vec = (data: Vector["data"], nullBitmap = new Uint8Array()): Vector => ({ nullBitmap, data });

/**
 * The chunk as the service sends it: encoded, then parsed from bytes that start `shift`
 * bytes into their buffer (received messages are not aligned), and decoded.
 */
function decoded(
  types: Record<string, string>,
  vectors: Vector[],
  rowCount: number,
  options: DecodeOptions = {},
  shift = 0,
) {
  const bytes = duckdb.ColumnarChunk.encode({
    columns: Object.keys(types),
    columnTypes: Object.values(types),
    rowCount,
    vectors,
    isLast: true,
    executionTimeMs: 0,
  }).finish();
  const shifted = new Uint8Array(bytes.length + shift).subarray(shift);
  shifted.set(bytes);
  const frame = parseColumnarChunk(shifted);
  const decoder = createColumnarDecoder(frame.columns, frame.columnTypes, options);
  const v = decoder.vectors(frame);
  return { vectors: v, rows: decoder.rows(v) };
}

describe("createColumnarDecoder", () => {
  it("reads packed integers as numbers up to 32 bits and bigints beyond", () => {
    const types = { ti: "TINYINT", i: "INTEGER", ui: "UINTEGER", bi: "BIGINT", x: "MYSTERY" };
    const { vectors, rows } = decoded(
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
    expect(rows).toEqual([
      { ti: -128, i: -2147483648, ui: 4294967295, bi: -(2n ** 63n), x: 7 },
      { ti: 5, i: 2147483647, ui: 0, bi: 2n ** 63n - 1n, x: 2n ** 60n },
    ]);
    expect(vectors.map((v) => v.kind)).toEqual(["int32", "int32", "uint32", "int64", "int64"]);
    expect(vectors[0]!.values()).toEqual(new Int32Array([-128, 5]));
    expect(vectors[2]!.values()).toEqual(new Uint32Array([4294967295, 0]));
    expect(vectors[3]!.values()).toEqual(new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n]));
  });

  it("gives the same typed arrays from aligned and unaligned messages", () => {
    for (const shift of [0, 1, 3, 4, 7]) {
      const { vectors } = decoded(
        { b: "BIGINT", d: "DOUBLE", i: "SMALLINT" },
        [
          vec({ $case: "int64Data", value: int64s([1n, -2n, 3n]) }),
          vec({ $case: "float64Data", value: float64s([0.5, -0, Number.POSITIVE_INFINITY]) }),
          vec({ $case: "int64Data", value: int64s([-32768n, 0n, 32767n]) }),
        ],
        3,
        {},
        shift,
      );
      expect(vectors[0]!.values(), `shift ${shift}`).toEqual(new BigInt64Array([1n, -2n, 3n]));
      expect(vectors[1]!.values()).toEqual(new Float64Array([0.5, -0, Number.POSITIVE_INFINITY]));
      expect(vectors[2]!.values()).toEqual(new Int32Array([-32768, 0, 32767]));
    }
  });

  it("reads timestamps as Dates or exact micros, far and infinite ones included", () => {
    const micros = [
      1_704_164_645_123_456n,
      -1n,
      253_402_300_799_999_999n, // 9999-12-31 23:59:59.999999
      -62_135_596_800_000_001n, // just before 0001-01-01
      2n ** 63n - 1n,
      -(2n ** 63n - 1n),
    ];
    const vectors = [vec({ $case: "int64Data", value: int64s(micros) })];
    const dates = decoded({ t: "TIMESTAMP WITH TIME ZONE" }, vectors, 6);
    expect(dates.rows.map((r) => r.t)).toEqual([
      new Date("2024-01-02T03:04:05.123Z"),
      new Date(-1),
      new Date("9999-12-31T23:59:59.999Z"),
      new Date(-62_135_596_800_001),
      "infinity",
      "-infinity",
    ]);
    expect(dates.vectors[0]!.kind).toBe("timestamp");
    expect(dates.vectors[0]!.values()).toEqual(new BigInt64Array(micros));
    const exact = decoded({ t: "TIMESTAMP_NS" }, vectors, 6, { timestamps: "micros" }, 5);
    expect(exact.rows.map((r) => r.t)).toEqual([...micros.slice(0, 4), "infinity", "-infinity"]);
  });

  it("reads doubles, booleans, strings, wide integers as text, and bytes", () => {
    const { vectors, rows } = decoded(
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
    expect(vectors.map((v) => v.kind)).toEqual([
      "float64",
      "bool",
      "string",
      "string",
      "string",
      "bytes",
    ]);
    expect(vectors[1]!.values()).toEqual(new Uint8Array([1, 0]));
    // The text as sent; get() gives what the rows hold.
    expect(vectors[3]!.values()).toEqual(["-170141183460469231731687303715884105728", "1"]);
    expect(vectors[3]!.get(1)).toBe(1n);
    // A copy: the received message is not kept alive by a BLOB.
    const blob = vectors[5]!.values()[0] as Uint8Array;
    expect(blob.buffer.byteLength).toBe(2);
  });

  it("decodes text of every shape: ASCII, UTF-8, short, long, past 127 bytes", () => {
    const texts = [
      "a",
      "exactly-12ch",
      "thirteen-char",
      "ü",
      "𝄞 clef",
      "x".repeat(200),
      `${"é".repeat(100)}!`,
      "",
      "name-123",
    ];
    const { vectors, rows } = decoded(
      { s: "VARCHAR" },
      [vec({ $case: "stringData", value: { values: texts } })],
      texts.length,
    );
    expect(vectors[0]!.values()).toEqual(texts);
    expect(rows.map((r) => r.s)).toEqual(texts);
    // All-ASCII vectors take the one-pass path; same values.
    const ascii = texts.filter((t) => Buffer.byteLength(t) === t.length && t.length < 100);
    const plain = decoded(
      { s: "VARCHAR" },
      [vec({ $case: "stringData", value: { values: ascii } })],
      ascii.length,
    );
    expect(plain.vectors[0]!.values()).toEqual(ascii);
  });

  it("decodes Value vectors with the column type, nested ones included", () => {
    const int = (value: bigint): duckdb.Value => ({ kind: { $case: "intValue", value } });
    const { vectors, rows } = decoded(
      { l: "BIGINT[]" },
      [
        vec({
          $case: "valueData",
          value: { values: [{ kind: { $case: "listValue", value: { values: [int(1n)] } } }] },
        }),
      ],
      1,
    );
    expect(rows).toEqual([{ l: [1n] }]);
    expect(vectors[0]!.kind).toBe("value");
    expect(vectors[0]!.values()).toEqual([[1n]]);
  });

  it("gives null for rows set in the null bitmap, and for a vector with no data", () => {
    const { vectors, rows } = decoded(
      { i: "INTEGER", s: "VARCHAR", n: '"NULL"' },
      [
        // Rows 0 and 9 are NULL: bit 0 of byte 0, bit 1 of byte 1.
        vec(
          { $case: "int64Data", value: int64s(Array.from({ length: 10 }, (_, i) => BigInt(i))) },
          new Uint8Array([0b1, 0b10]),
        ),
        vec(
          { $case: "stringData", value: { values: Array(10).fill("x") } },
          new Uint8Array([0b100, 0]),
        ),
        vec(undefined),
      ],
      10,
    );
    expect(rows.map((r) => r.i)).toEqual([null, 1, 2, 3, 4, 5, 6, 7, 8, null]);
    expect(rows.map((r) => r.s)).toEqual(["x", "x", null, ...Array(7).fill("x")]);
    expect(rows.every((r) => r.n === null)).toBe(true);
    const [i, s, n] = vectors;
    expect([i!.isNull(0), i!.isNull(1), i!.isNull(9)]).toEqual([true, false, true]);
    expect(i!.get(9)).toBeNull();
    expect(i!.nulls).toEqual(new Uint8Array([0b1, 0b10]));
    expect(s!.values()[2]).toBeNull();
    expect(n!.isNull(4)).toBe(true);
  });

  it("refuses a row outside the vector", () => {
    const { vectors } = decoded(
      { i: "INTEGER" },
      [vec({ $case: "int64Data", value: int64s([1n]) })],
      1,
    );
    expect(() => vectors[0]!.get(1)).toThrow(RangeError);
    expect(() => vectors[0]!.get(-1)).toThrow(RangeError);
    expect(() => vectors[0]!.get(0.5)).toThrow(RangeError);
  });

  it("refuses a later chunk with a vector missing", () => {
    const decoder = createColumnarDecoder(["a", "b"], ["INTEGER", "INTEGER"]);
    const frame = parseColumnarChunk(
      duckdb.ColumnarChunk.encode(
        duckdb.ColumnarChunk.fromPartial({
          rowCount: 1,
          vectors: [vec({ $case: "int64Data", value: int64s([1n]) })],
        }),
      ).finish(),
    );
    expect(() => decoder.vectors(frame)).toThrow(
      "malformed ColumnarChunk: 1 vectors for 2 columns",
    );
  });

  it("names repeated columns as the row path does", () => {
    const { columns, vectors, rows } = createColumnarDecoder(["a", "a"], ["INTEGER", "INTEGER"]);
    expect(columns.map((c) => c.name)).toEqual(["a", "a_1"]);
    const empty = parseColumnarChunk(new Uint8Array());
    expect(rows(vectors(empty))).toEqual([]);
  });
});
