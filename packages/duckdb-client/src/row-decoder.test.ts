import { describe, expect, it } from "vitest";
import { createRowDecoder } from "./row-decoder.js";

const int = (value: bigint) => ({ kind: { $case: "intValue" as const, value } });

describe("createRowDecoder", () => {
  it("builds row objects keyed by column, each value decoded by its column type", () => {
    const { columns, decode } = createRowDecoder(["a", "b"], ["INTEGER", "BIGINT"]);
    expect(columns).toEqual([
      { name: "a", type: "INTEGER" },
      { name: "b", type: "BIGINT" },
    ]);
    expect(decode({ values: [int(1n), int(2n)] })).toEqual({ a: 1, b: 2n });
  });

  it("gives repeated column names DuckDB's suffixes instead of losing values", () => {
    const { columns, decode } = createRowDecoder(
      ["a", "a", "a"],
      ["INTEGER", "INTEGER", "INTEGER"],
    );
    expect(columns.map((c) => c.name)).toEqual(["a", "a_1", "a_2"]);
    expect(decode({ values: [int(1n), int(2n), int(3n)] })).toEqual({ a: 1, a_1: 2, a_2: 3 });
  });

  it("decodes by the member alone when type names are missing or unreadable", () => {
    const { decode } = createRowDecoder(["a", "b"], ["STRUCT(broken"]);
    expect(decode({ values: [int(1n), int(2n ** 62n)] })).toEqual({ a: 1, b: 2n ** 62n });
  });

  it("gives null for values missing from a short row", () => {
    const { decode } = createRowDecoder(["a", "b"], ["INTEGER", "INTEGER"]);
    expect(decode({ values: [int(1n)] })).toEqual({ a: 1, b: null });
  });

  it("keeps a column named __proto__ as a property", () => {
    const { decode } = createRowDecoder(["__proto__"], ["INTEGER"]);
    const row = decode({ values: [int(1n)] });
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(row, "__proto__")?.value).toBe(1);
  });
});
