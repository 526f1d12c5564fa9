import { describe, expect, it } from "vitest";
import { toJsonRow, toJsonValue } from "./json-values.js";

describe("toJsonValue", () => {
  it("turns safe bigints into numbers and larger ones into exact text", () => {
    expect(toJsonValue(42n)).toBe(42);
    expect(toJsonValue(2n ** 63n - 1n)).toBe("9223372036854775807");
    expect(toJsonValue(-(2n ** 60n))).toBe("-1152921504606846976");
  });

  it("writes dates as ISO text, bytes as base64 and maps as objects", () => {
    expect(toJsonValue(new Date(Date.UTC(2024, 0, 15)))).toBe("2024-01-15T00:00:00.000Z");
    expect(toJsonValue(new Uint8Array([104, 105]))).toBe("aGk=");
    expect(toJsonValue(new Map([["a", 1n]]))).toEqual({ a: 1 });
  });

  it("keeps non-finite doubles as text, which JSON cannot hold as numbers", () => {
    expect(toJsonValue(Number.NaN)).toBe("NaN");
    expect(toJsonValue(Number.POSITIVE_INFINITY)).toBe("Infinity");
  });

  it("converts nested rows", () => {
    expect(JSON.stringify(toJsonRow({ n: 1n, l: [2n], s: { x: null, y: undefined } }))).toBe(
      '{"n":1,"l":[2],"s":{"x":null,"y":null}}',
    );
  });
});
