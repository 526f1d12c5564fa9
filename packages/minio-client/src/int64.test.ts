import { InvalidArgumentError } from "@isa-cloud/rpc/wire";
import { Status } from "nice-grpc-common";
import { describe, expect, it } from "vitest";
import { toInt64 } from "./int64.js";

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
