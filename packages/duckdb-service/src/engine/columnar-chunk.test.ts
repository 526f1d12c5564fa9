import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { duckdb } from "@isa-cloud/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeColumn } from "./columnar.js";
import { chunkEncoder } from "./columnar-chunk.js";

let instance: DuckDBInstance;
let conn: DuckDBConnection;

beforeAll(async () => {
  instance = await DuckDBInstance.create(":memory:");
  conn = await instance.connect();
});

afterAll(() => {
  conn.closeSync();
  instance.closeSync();
});

/** Every row range of every chunk of `sql`, fast-encoded and value-by-value encoded. */
async function bothWays(sql: string, ranges: (n: number) => [number, number][]) {
  const result = await conn.stream(sql);
  const types = result.columnTypes();
  const pairs: { fast: Uint8Array; reference: Uint8Array }[] = [];
  for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; ) {
    const encode = chunkEncoder(chunk, types);
    const values = types.map((_, c) => chunk!.getColumnValues(c));
    for (const [from, to] of ranges(chunk.rowCount)) {
      pairs.push({
        fast: encode(from, to),
        reference: duckdb.ColumnarChunk.encode(
          duckdb.ColumnarChunk.fromPartial({
            rowCount: to - from,
            vectors: values.map((v, c) => encodeColumn(v, types[c]!, from, to).vector),
          }),
        ).finish(),
      });
    }
    chunk = await result.fetchChunk();
  }
  return pairs;
}

// Each column is NULL on every seventh row; rows run into a second DuckDB chunk.
const nullable = (expr: string) => `CASE WHEN i % 7 = 3 THEN NULL ELSE ${expr} END`;
const COLUMNS = [
  "(i % 256 - 128)::TINYINT",
  "(i * 7 - 30000)::SMALLINT",
  "(i * 99991 - 2000000000)::INTEGER",
  "(i * 3002399751580331 - 4611686018427387904)::BIGINT",
  "(i % 256)::UTINYINT",
  "(i * 17)::USMALLINT",
  "(4294967295 - i)::UINTEGER",
  "(18446744073709551615 - i)::UBIGINT",
  "(i::HUGEINT * 17014118346046923173168730371588410 - 1)::HUGEINT",
  "(i / 3.0 - 700)::FLOAT",
  "(i / 7.0 - 700)::DOUBLE",
  "i % 3 = 0",
  "repeat('é', i % 20) || i",
  "('\\x00\\xff' || repeat('b', i % 16))::BLOB",
  "((i - 1500) / 10)::DECIMAL(4,1)",
  "((i - 1500) * 1.001)::DECIMAL(9,3)",
  "((i - 1500) * 123456789.123)::DECIMAL(18,6)",
  "CASE WHEN i % 5 = 0 THEN (i - 1500) * 1e20 ELSE (i - 1500) * 0.5 END::DECIMAL(38,10)",
  "(i - 1500)::DECIMAL(18,0)",
  "(i - 1500) * 0.5",
  "DATE '2024-02-29' + i::INTEGER",
  "TIMESTAMP '1969-12-31 23:59:59' + to_microseconds(i * 1000003)",
  "TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(i)",
  "(TIMESTAMP '2024-01-01' + to_seconds(i))::TIMESTAMP_S",
  "(TIMESTAMP '2024-01-01' + to_seconds(i))::TIMESTAMP_MS",
  "(TIMESTAMP '2024-01-01' + to_seconds(i))::TIMESTAMP_NS",
  "TIME '12:00:00' + to_seconds(i % 3600)",
  "to_days(i::INTEGER)",
  "uuid_extract_version(gen_random_uuid()) + i",
  "[i, i + 1]",
  "{'a': i, 'b': 'x' || i}",
  "'infinity'::TIMESTAMP",
];

describe("chunkEncoder", () => {
  it("encodes every type as the value-by-value path does, NULLs included", async () => {
    const select = COLUMNS.map((expr, c) => `${nullable(expr)} AS c${c}`).join(", ");
    const pairs = await bothWays(`SELECT ${select} FROM range(3000) t(i)`, (n) => [
      [0, n],
      [3, Math.min(n, 1000)], // a range that starts off a byte boundary of the bitmap
      [n - 1, n],
    ]);
    expect(pairs.length).toBe(6);
    for (const { fast, reference } of pairs) {
      // Column by column, to name the one that differs; the bytes must be the same.
      const a = duckdb.ColumnarChunk.decode(fast).vectors;
      const b = duckdb.ColumnarChunk.decode(reference).vectors;
      const bytes = (v: duckdb.ColumnVector) => Buffer.from(duckdb.ColumnVector.encode(v).finish());
      for (let c = 0; c < COLUMNS.length; c++) {
        expect(bytes(a[c]!).equals(bytes(b[c]!)), COLUMNS[c]).toBe(true);
      }
      expect(Buffer.from(fast).equals(reference)).toBe(true);
    }
  });

  it("leaves the NULL bitmap empty for a range without NULLs", async () => {
    const [pair] = await bothWays(`SELECT ${nullable("i")} AS c FROM range(10) t(i)`, () => [
      [0, 3],
    ]);
    expect(duckdb.ColumnarChunk.decode(pair!.fast).vectors[0]!.nullBitmap.length).toBe(0);
  });
});
