import { describe, expect, it } from "vitest";
import { asJson, encodeParameters, ParameterError } from "./value-encoder.js";

describe("encoding parameters", () => {
  it("encodes whole numbers as int_value and others as double_value", () => {
    expect(encodeParameters({ a: 42, b: -0.5, c: 2 ** 60, d: Number.NaN })).toEqual({
      a: { kind: { $case: "intValue", value: 42n } },
      b: { kind: { $case: "doubleValue", value: -0.5 } },
      c: { kind: { $case: "doubleValue", value: 2 ** 60 } },
      d: { kind: { $case: "doubleValue", value: Number.NaN } },
    });
  });

  it("encodes bigints in int64 as int_value and wider ones as exact digits", () => {
    expect(encodeParameters({ a: -(2n ** 63n), b: 2n ** 64n })).toEqual({
      a: { kind: { $case: "intValue", value: -(2n ** 63n) } },
      b: { kind: { $case: "stringValue", value: "18446744073709551616" } },
    });
  });

  it("encodes strings, booleans, null and undefined", () => {
    expect(encodeParameters({ s: "x", t: true, n: null, u: undefined })).toEqual({
      s: { kind: { $case: "stringValue", value: "x" } },
      t: { kind: { $case: "boolValue", value: true } },
      n: { kind: { $case: "nullValue", value: 0 } },
      u: { kind: { $case: "nullValue", value: 0 } },
    });
  });

  it("encodes Dates as timestamps, exact to the millisecond, before 1970 too", () => {
    expect(encodeParameters({ d: new Date(-1) })).toEqual({
      d: { kind: { $case: "timestampValue", value: { seconds: -1n, nanos: 999_000_000 } } },
    });
  });

  it("encodes Uint8Array, Buffer and ArrayBuffer as bytes", () => {
    const buf = Buffer.from("hi");
    const encoded = encodeParameters({ a: new Uint8Array([1]), b: buf, c: new ArrayBuffer(2) });
    expect(encoded.a).toEqual({ kind: { $case: "bytesValue", value: new Uint8Array([1]) } });
    expect(encoded.b?.kind).toEqual({ $case: "bytesValue", value: buf });
    expect(encoded.c).toEqual({ kind: { $case: "bytesValue", value: new Uint8Array(2) } });
  });

  it("encodes arrays as lists, plain objects as records and Maps as maps, nested", () => {
    expect(
      encodeParameters({
        l: [1, "x", [true]],
        r: { id: 1n, inner: { ok: false } },
        m: new Map<unknown, unknown>([["k", [1.5]]]),
      }),
    ).toEqual({
      l: {
        kind: {
          $case: "listValue",
          value: {
            values: [
              { kind: { $case: "intValue", value: 1n } },
              { kind: { $case: "stringValue", value: "x" } },
              {
                kind: {
                  $case: "listValue",
                  value: { values: [{ kind: { $case: "boolValue", value: true } }] },
                },
              },
            ],
          },
        },
      },
      r: {
        kind: {
          $case: "recordValue",
          value: {
            names: ["id", "inner"],
            values: [
              { kind: { $case: "intValue", value: 1n } },
              {
                kind: {
                  $case: "recordValue",
                  value: {
                    names: ["ok"],
                    values: [{ kind: { $case: "boolValue", value: false } }],
                  },
                },
              },
            ],
          },
        },
      },
      m: {
        kind: {
          $case: "mapValue",
          value: {
            keys: [{ kind: { $case: "stringValue", value: "k" } }],
            values: [
              {
                kind: {
                  $case: "listValue",
                  value: { values: [{ kind: { $case: "doubleValue", value: 1.5 } }] },
                },
              },
            ],
          },
        },
      },
    });
  });

  it("encodes asJson() objects as JSON struct values", () => {
    expect(encodeParameters({ j: asJson({ a: [1, "b", null] }) })).toEqual({
      j: { kind: { $case: "structValue", value: { a: [1, "b", null] } } },
    });
  });

  it("allows the same object twice, but not an object that contains itself", () => {
    const shared = { a: 1 };
    expect(() => encodeParameters({ x: [shared, shared] })).not.toThrow();
    const loop: unknown[] = [];
    loop.push(loop);
    expect(() => encodeParameters({ x: loop })).toThrow(/x\[0\] refers to itself/);
  });

  it("rejects values with no SQL form, naming where they are", () => {
    expect(() => encodeParameters({ f: () => 1 })).toThrow(ParameterError);
    expect(() => encodeParameters({ f: () => 1 })).toThrow(/parameter f is a function/);
    expect(() => encodeParameters({ s: Symbol("x") })).toThrow(/parameter s is a symbol/);
    expect(() => encodeParameters({ o: { deep: [1, new Set([1])] } })).toThrow(
      /parameter o\.deep\[1\] is a Set/,
    );
    expect(() => encodeParameters({ r: /x/ })).toThrow(/is a RegExp/);
    expect(() => encodeParameters({ d: new Date(Number.NaN) })).toThrow(/invalid Date/);
    expect(() => encodeParameters({ t: new Float64Array(1) })).toThrow(/Float64Array/);
    expect(() => encodeParameters({ m: new Map([[() => 1, 1]]) })).toThrow(/\(key\)/);
  });

  it("rejects bad parameter names and a params argument that is not an object", () => {
    expect(() => encodeParameters({ $id: 1 })).toThrow(/without the "\$"/);
    expect(() => encodeParameters({ "": 1 })).toThrow(ParameterError);
    expect(() => encodeParameters([1] as unknown as Record<string, unknown>)).toThrow(
      /plain object/,
    );
  });

  it("gives no parameters for undefined", () => {
    expect(encodeParameters(undefined)).toEqual({});
  });
});
