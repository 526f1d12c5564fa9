import { duckdb } from "@isa-cloud/proto";
import { describe, expect, it } from "vitest";
import { PreEncodedDuckDBServiceDefinition, preEncoded } from "./pre-encoded.js";

const { executeQueryStream, executeQueryColumnar } = PreEncodedDuckDBServiceDefinition.methods;

/** What nice-grpc does with a response of a ts-proto definition. */
const serialize = <T>(
  type: { fromPartial(o: never): T; encode(m: T): { finish(): Uint8Array } },
  value: unknown,
) => Buffer.from(type.encode(type.fromPartial(value as never)).finish());

describe("preEncoded", () => {
  it("puts the same bytes on the wire as the generated encoder", () => {
    const chunk = duckdb.QueryResultChunk.fromPartial({
      success: true,
      columns: ["id", "label"],
      columnTypes: ["BIGINT", "VARCHAR"],
      rows: Array.from({ length: 500 }, (_, i) => ({
        values: [
          { kind: { $case: "intValue", value: BigInt(i) } },
          { kind: { $case: "stringValue", value: `row-${i}` } },
        ],
      })),
    });
    const expected = Buffer.from(duckdb.QueryResultChunk.encode(chunk).finish());
    const type = executeQueryStream.responseType;
    expect(serialize(type, preEncoded(duckdb.QueryResultChunk, chunk))).toEqual(expected);
    expect(duckdb.QueryResultChunk.decode(serialize(type, preEncoded(type, chunk)))).toEqual(chunk);
  });

  it("leaves ordinary (partial) messages to the generated encoder", () => {
    const last = { isLast: true, executionTimeMs: 1.5 };
    expect(serialize(executeQueryColumnar.responseType, last)).toEqual(
      Buffer.from(duckdb.ColumnarChunk.encode(duckdb.ColumnarChunk.fromPartial(last)).finish()),
    );
  });
});
