import { ServerError, Status } from "nice-grpc";
import { describe, expect, it } from "vitest";
import {
  nonNegativeField,
  parseBucketRef,
  presignSeconds,
  resolveRange,
  validateBucketName,
  validateMetadata,
  validateObjectKey,
} from "./validation.js";

function statusOf(fn: () => unknown): Status | "ok" {
  try {
    fn();
    return "ok";
  } catch (err) {
    if (err instanceof ServerError) return err.code;
    throw err;
  }
}

describe("validation", () => {
  it("takes non-negative int64 fields as numbers and answers INVALID_ARGUMENT otherwise", () => {
    expect(nonNegativeField(0n, "offset")).toBe(0);
    expect(nonNegativeField(BigInt(Number.MAX_SAFE_INTEGER), "length")).toBe(
      Number.MAX_SAFE_INTEGER,
    );
    expect(() => nonNegativeField(-1n, "offset")).toThrow(
      new ServerError(Status.INVALID_ARGUMENT, "offset is -1; it cannot be negative"),
    );
    expect(() => nonNegativeField(2n ** 53n, "length")).toThrow(
      new ServerError(Status.INVALID_ARGUMENT, "length is 9007199254740992; too large"),
    );
    expect(statusOf(() => nonNegativeField(2n ** 53n, "length"))).toBe(Status.INVALID_ARGUMENT);
  });

  it("accepts S3 bucket names and refuses the rest", () => {
    for (const name of ["abc", "my-bucket.v2", "a".repeat(63), "0start"]) {
      expect(statusOf(() => validateBucketName(name))).toBe("ok");
    }
    for (const name of [
      "ab",
      "a".repeat(64),
      "Abc",
      "a_b",
      "-ab",
      "ab-",
      "a..b",
      "a.-b",
      "10.0.0.1",
      "xn--ab",
      "ab-s3alias",
    ]) {
      expect(statusOf(() => validateBucketName(name))).toBe(Status.INVALID_ARGUMENT);
    }
  });

  it("reads qualified bucket references, ids with '/' included", () => {
    expect(parseBucketRef("reports")).toEqual({ kind: "own", bucket: "reports", text: "reports" });
    expect(parseBucketRef("u:auth0|1/x/reports")).toEqual({
      kind: "qualified",
      tenant: { kind: "user", id: "auth0|1/x" },
      bucket: "reports",
      text: "u:auth0|1/x/reports",
    });
    expect(parseBucketRef("o:acme/team")).toMatchObject({ tenant: { kind: "org", id: "acme" } });
    for (const ref of ["u:/reports", "u:alice", "o:acme/Bad", "sys:x/reports"]) {
      expect(statusOf(() => parseBucketRef(ref))).toBe(Status.INVALID_ARGUMENT);
    }
  });

  it("limits keys to 1,024 bytes without climbing segments", () => {
    expect(statusOf(() => validateObjectKey("k".repeat(1024)))).toBe("ok");
    expect(statusOf(() => validateObjectKey("folder/"))).toBe("ok");
    expect(statusOf(() => validateObjectKey("..a/b..c"))).toBe("ok");
    for (const key of ["k".repeat(1025), "..", "a/..", "./a", "/a", "", "a\u007fb"]) {
      expect(statusOf(() => validateObjectKey(key))).toBe(Status.INVALID_ARGUMENT);
    }
  });

  it("limits user metadata to what fits an S3 header", () => {
    expect(statusOf(() => validateMetadata({ a: "x".repeat(1000) }))).toBe("ok");
    expect(statusOf(() => validateMetadata({ a: "x".repeat(1500) }))).toBe(Status.INVALID_ARGUMENT);
    expect(statusOf(() => validateMetadata({ ["k".repeat(129)]: "" }))).toBe(
      Status.INVALID_ARGUMENT,
    );
  });

  it("resolves ranges like S3, clamping at the end", () => {
    expect(resolveRange(10, 0, 0)).toEqual({ start: 0, end: 10 });
    expect(resolveRange(10, 8, 5)).toEqual({ start: 8, end: 10 });
    expect(resolveRange(10, 10, 0)).toEqual({ start: 10, end: 10 });
    expect(statusOf(() => resolveRange(10, 11, 0))).toBe(Status.INVALID_ARGUMENT);
  });

  it("caps presigned URLs at 7 days", () => {
    expect(presignSeconds(0)).toBe(3600);
    expect(presignSeconds(604_800)).toBe(604_800);
    expect(statusOf(() => presignSeconds(604_801))).toBe(Status.INVALID_ARGUMENT);
    expect(statusOf(() => presignSeconds(-5))).toBe(Status.INVALID_ARGUMENT);
  });
});
