import { duckdb } from "@isa-cloud/proto";
import { describe, expect, it } from "vitest";
import { parseColumnarChunk } from "./columnar-frame.js";

const encode = (chunk: Partial<duckdb.ColumnarChunk>) =>
  duckdb.ColumnarChunk.encode(duckdb.ColumnarChunk.fromPartial(chunk)).finish();

const int64s = (n: number) => ({ $case: "int64Data" as const, value: new Uint8Array(n * 8) });

describe("parseColumnarChunk", () => {
  it("reads every field, as ts-proto's decoder does", () => {
    const chunk = {
      columns: ["a", "é"],
      columnTypes: ["BIGINT", "VARCHAR"],
      rowCount: 2,
      vectors: [
        { nullBitmap: new Uint8Array([0b10]), data: int64s(2) },
        {
          nullBitmap: new Uint8Array(),
          data: { $case: "stringData" as const, value: { values: ["x", "yz"] } },
        },
      ],
      isLast: true,
      executionTimeMs: 12.5,
    };
    const frame = parseColumnarChunk(encode(chunk));
    expect(frame).toMatchObject({
      columns: ["a", "é"],
      columnTypes: ["BIGINT", "VARCHAR"],
      rowCount: 2,
      isLast: true,
      executionTimeMs: 12.5,
    });
    expect(frame.vectors[0]!.layout).toBe("int64");
    expect(frame.vectors[0]!.nulls).toEqual(new Uint8Array([0b10]));
    expect(frame.vectors[1]!.layout).toBe("string");
    expect(Array.from(frame.vectors[1]!.items!)).toEqual([2, 3, 5, 7]);
  });

  it("reads a header and a chunk sent as one message, and skips fields it does not know", () => {
    const header = encode({ columns: ["a"], columnTypes: ["INTEGER"] });
    const body = encode({
      rowCount: 1,
      vectors: [{ nullBitmap: new Uint8Array(), data: int64s(1) }],
    });
    // Field 15, varint 1; field 14, 8 fixed bytes; field 13, 3 delimited bytes.
    const unknown = new Uint8Array([0x78, 1, 0x71, 0, 0, 0, 0, 0, 0, 0, 0, 0x6a, 3, 1, 2, 3]);
    const frame = parseColumnarChunk(Buffer.concat([header, unknown, body]));
    expect(frame.columns).toEqual(["a"]);
    expect(frame.rowCount).toBe(1);
    expect(frame.vectors.length).toBe(1);
  });

  it("refuses a message cut inside a field, with a message that says so", () => {
    const header = encode({ columns: ["a"], rowCount: 1 });
    const bytes = encode({
      columns: ["a"],
      rowCount: 1,
      vectors: [{ nullBitmap: new Uint8Array([1]), data: int64s(1) }],
    });
    // Cut at a field boundary, a message is a shorter valid one: cut inside each field.
    const cuts = [
      1,
      2,
      ...Array.from({ length: bytes.length - header.length - 1 }, (_, i) => header.length + 1 + i),
    ];
    for (const cut of cuts) {
      expect(() => parseColumnarChunk(bytes.subarray(0, cut)), `cut at ${cut}`).toThrow(
        /^malformed ColumnarChunk: /,
      );
    }
  });

  it("refuses vectors whose size does not match the row count", () => {
    const one = (vector: duckdb.ColumnVector, rowCount = 3) =>
      parseColumnarChunk(encode({ columns: ["a"], rowCount, vectors: [vector] }));
    const none = new Uint8Array();
    expect(() => one({ nullBitmap: none, data: int64s(2) })).toThrow(
      "malformed ColumnarChunk: vector 0 has 16 bytes of int64 data for 3 rows",
    );
    expect(() =>
      one({ nullBitmap: none, data: { $case: "float64Data", value: new Uint8Array(25) } }),
    ).toThrow("vector 0 has 25 bytes of float64 data for 3 rows");
    expect(() =>
      one({ nullBitmap: none, data: { $case: "boolData", value: new Uint8Array(4) } }),
    ).toThrow("vector 0 has 4 bytes of bool data for 3 rows");
    expect(() =>
      one({ nullBitmap: none, data: { $case: "stringData", value: { values: ["a", "b"] } } }),
    ).toThrow("vector 0 has 2 string data for 3 rows");
    expect(() =>
      one({ nullBitmap: none, data: { $case: "bytesData", value: { values: [] } } }),
    ).toThrow("vector 0 has 0 bytes data for 3 rows");
    expect(() => one({ nullBitmap: new Uint8Array(2), data: int64s(3) })).toThrow(
      "vector 0 has a NULL bitmap of 2 bytes for 3 rows",
    );
  });

  it("refuses a chunk whose vectors do not match its columns", () => {
    expect(() =>
      parseColumnarChunk(
        encode({
          columns: ["a", "b"],
          rowCount: 1,
          vectors: [{ nullBitmap: new Uint8Array(), data: int64s(1) }],
        }),
      ),
    ).toThrow("malformed ColumnarChunk: 1 vectors for 2 columns");
  });

  it("refuses a negative row count, a length past the end and wire types it cannot skip", () => {
    // row_count = -1: ten bytes, sign-extended.
    const negative = new Uint8Array([
      0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
    ]);
    expect(() => parseColumnarChunk(negative)).toThrow("malformed ColumnarChunk: row_count is -1");
    // columns = a string of 100 bytes in a message of 3.
    expect(() => parseColumnarChunk(new Uint8Array([0x0a, 100, 0x41]))).toThrow(
      "has a field of 100 bytes where 1 remain",
    );
    // Field 1 as a start-group (wire type 3).
    expect(() => parseColumnarChunk(new Uint8Array([0x0b]))).toThrow("wire type 3");
    // A varint that never ends.
    expect(() => parseColumnarChunk(new Uint8Array(12).fill(0xff))).toThrow(/varint/);
  });

  it("refuses a Value vector that is not made of Values", () => {
    // ColumnVector.value_data (7) holding one item (field 1) of garbage bytes.
    const vector = new Uint8Array([0x3a, 4, 0x0a, 2, 0xff, 0xff]);
    const bytes = Buffer.concat([new Uint8Array([0x18, 1, 0x22, vector.length]), vector]);
    expect(() => parseColumnarChunk(bytes)).toThrow(
      /^malformed ColumnarChunk: a value vector does not hold Values/,
    );
  });
});
