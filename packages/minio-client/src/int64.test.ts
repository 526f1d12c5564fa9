import { InvalidArgumentError } from "@isa-cloud/rpc";
import { Status } from "nice-grpc-common";
import { describe, expect, it } from "vitest";
import { toInt64, toSafeNumber } from "./int64.js";

describe("toSafeNumber", () => {
  it("converts int64 values a number holds exactly", () => {
    expect(toSafeNumber(0n, "size")).toBe(0);
    expect(toSafeNumber(BigInt(Number.MAX_SAFE_INTEGER), "size")).toBe(Number.MAX_SAFE_INTEGER);
  });

  it("throws, naming the field, for a value a number cannot hold exactly", () => {
    expect(() => toSafeNumber(2n ** 53n, "size")).toThrow(/size/);
  });
});

describe("toInt64", () => {
  it("converts non-negative integers", () => {
    expect(toInt64("GetObject", "offset", 5)).toBe(5n);
  });

  it("refuses negative, fractional and unsafe numbers as INVALID_ARGUMENT naming the field", () => {
    for (const bad of [-1, 0.5, 2 ** 60]) {
      let error: unknown;
      try {
        toInt64("GetObject", "offset", bad);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect(error).toMatchObject({
        code: Status.INVALID_ARGUMENT,
        path: "/isa.minio.MinIOService/GetObject",
      });
      expect((error as Error).message).toMatch(/offset/);
    }
  });
});
