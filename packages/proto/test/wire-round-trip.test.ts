import { describe, expect, it } from "vitest";
import { duckdb, microsToTimestamp, minio } from "../src/index.js";
import { decodeWithContract } from "./contract.js";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("messages our types encode decode field by field with the contract's numbers", () => {
  it("PutObjectRequest with metadata", () => {
    const message: minio.PutObjectRequest = {
      payload: {
        $case: "metadata",
        value: {
          bucketName: "reports",
          objectKey: "2026/11/daily.json",
          userId: "user-123",
          contentType: "application/json",
          contentLength: 9_007_199_254_740_993n, // 2^53 + 1: no precision lost
          metadata: { source: "isa-mcp", "x-trace": "abc" },
          storageClass: "STANDARD",
        },
      },
    };
    const wire = minio.PutObjectRequest.encode(message).finish();

    expect(decodeWithContract("isa.minio.PutObjectRequest", wire)).toEqual({
      metadata: {
        bucket_name: "reports",
        object_key: "2026/11/daily.json",
        user_id: "user-123",
        content_type: "application/json",
        content_length: 9_007_199_254_740_993n,
        metadata: { source: "isa-mcp", "x-trace": "abc" },
        storage_class: "STANDARD",
      },
    });
    expect(minio.PutObjectRequest.decode(wire)).toEqual(message);
  });

  it("PutObjectRequest with chunk_data travels as the contract's field 2", () => {
    const chunk = bytes("Hello World");
    const wire = minio.PutObjectRequest.encode({
      payload: { $case: "chunkData", value: chunk },
    }).finish();

    expect(decodeWithContract("isa.minio.PutObjectRequest", wire)).toEqual({ chunk });
    expect(minio.PutObjectRequest.decode(wire).payload).toEqual({
      $case: "chunkData",
      value: chunk,
    });
  });

  it("GetObjectResponse carries the object's info, then chunk_data", () => {
    const info = minio.GetObjectResponse.encode({
      payload: {
        $case: "metadata",
        value: {
          key: "a.txt",
          size: 11n,
          etag: "b10a8db164e0754105b7a99be72e3fe5",
          contentType: "text/plain",
          lastModified: microsToTimestamp(1_764_028_800_123_456n),
          metadata: {},
          storageClass: "",
          versionId: "",
          ownerId: "user-123",
        },
      },
    }).finish();
    expect(decodeWithContract("isa.minio.GetObjectResponse", info)).toEqual({
      metadata: {
        key: "a.txt",
        size: 11n,
        etag: "b10a8db164e0754105b7a99be72e3fe5",
        content_type: "text/plain",
        last_modified: { seconds: 1_764_028_800n, nanos: 123_456_000 },
        owner_id: "user-123",
      },
    });
  });

  it("ExecuteQueryRequest with named parameters", () => {
    const message: duckdb.ExecuteQueryRequest = {
      databaseId: "user-123-analytics",
      userId: "user-123",
      query: "SELECT * FROM user_events WHERE date BETWEEN $start AND $end AND value > $min",
      parameters: {
        start: { kind: { $case: "stringValue", value: "2026-11-01" } },
        end: { kind: { $case: "stringValue", value: "2026-11-30" } },
        min: { kind: { $case: "doubleValue", value: 0.5 } },
        limit: { kind: { $case: "intValue", value: -9_223_372_036_854_775_808n } },
      },
      maxRows: 1000,
      timeoutSeconds: 30,
      explain: false,
      readOnly: false,
    };
    const wire = duckdb.ExecuteQueryRequest.encode(message).finish();

    expect(decodeWithContract("isa.duckdb.ExecuteQueryRequest", wire)).toEqual({
      database_id: "user-123-analytics",
      user_id: "user-123",
      query: message.query,
      parameters: {
        start: { string_value: "2026-11-01" },
        end: { string_value: "2026-11-30" },
        min: { double_value: 0.5 },
        limit: { int_value: -9_223_372_036_854_775_808n },
      },
      max_rows: 1000,
      timeout_seconds: 30,
    });
    expect(duckdb.ExecuteQueryRequest.decode(wire)).toEqual(message);
  });

  it("ExecuteQueryResponse with a row of every contract Value kind", () => {
    const row: duckdb.Row = {
      values: [
        { kind: { $case: "stringValue", value: "héllo" } },
        { kind: { $case: "intValue", value: 9_223_372_036_854_775_807n } },
        { kind: { $case: "doubleValue", value: 1.0000000000000002 } },
        { kind: { $case: "boolValue", value: true } },
        { kind: { $case: "bytesValue", value: new Uint8Array([0, 255, 7]) } },
        { kind: { $case: "timestampValue", value: microsToTimestamp(-1_000_001n) } },
        { kind: { $case: "structValue", value: { a: 1, b: ["x"] } } },
        { kind: { $case: "nullValue", value: duckdb.NullValue.NULL_VALUE_NULL } },
      ],
    };
    const message: duckdb.ExecuteQueryResponse = {
      success: true,
      columns: ["s", "i", "d", "b", "blob", "ts", "j", "n"],
      columnTypes: [
        "VARCHAR",
        "BIGINT",
        "DOUBLE",
        "BOOLEAN",
        "BLOB",
        "TIMESTAMP",
        "JSON",
        "INTEGER",
      ],
      rows: [row],
      rowCount: 1,
      executionTimeMs: 1.25,
      queryPlan: "",
      error: "",
    };
    const wire = duckdb.ExecuteQueryResponse.encode(message).finish();
    const decoded = decodeWithContract("isa.duckdb.ExecuteQueryResponse", wire);

    const values = (decoded.rows as { values: Record<string, unknown>[] }[])[0]?.values;
    expect(values?.slice(0, 6)).toEqual([
      { string_value: "héllo" },
      { int_value: 9_223_372_036_854_775_807n },
      { double_value: 1.0000000000000002 },
      { bool_value: true },
      { bytes_value: new Uint8Array([0, 255, 7]) },
      // -1.000001 s before the epoch, to the microsecond, nanos kept in [0, 1e9).
      { timestamp_value: { seconds: -2n, nanos: 999_999_000 } },
    ]);
    expect(Object.keys(values?.[6] ?? {})).toEqual(["struct_value"]);
    // A null is the enum's zero value: present on the wire as field 8, value 0.
    expect(values?.[7]).toEqual({ null_value: 0 });
    expect(decoded).toMatchObject({
      success: true,
      columns: message.columns,
      row_count: 1,
      execution_time_ms: 1.25,
    });
    expect(duckdb.ExecuteQueryResponse.decode(wire)).toEqual(message);
  });

  it("nested values added after the seed contract round-trip through our own types", () => {
    const value: duckdb.Value = {
      kind: {
        $case: "recordValue",
        value: {
          names: ["tags", "attrs"],
          values: [
            {
              kind: {
                $case: "listValue",
                value: { values: [{ kind: { $case: "stringValue", value: "a" } }] },
              },
            },
            {
              kind: {
                $case: "mapValue",
                value: {
                  keys: [{ kind: { $case: "stringValue", value: "k" } }],
                  values: [{ kind: { $case: "intValue", value: 1n } }],
                },
              },
            },
          ],
        },
      },
    };
    expect(duckdb.Value.decode(duckdb.Value.encode(value).finish())).toEqual(value);
  });
});
