import { minio } from "@isa-cloud/proto";
import { describe, expect, it } from "vitest";
import { fromBucketPolicy, toBucketInfo, toObjectInfo, toPolicyName } from "./convert.js";

describe("policies", () => {
  it("maps each canned policy name to its wire number and back", () => {
    for (const name of ["private", "public-read", "public-read-write"] as const) {
      const wire = fromBucketPolicy(name);
      expect(wire.customPolicy).toBe("");
      expect(toPolicyName(wire.policyType)).toBe(name);
    }
    expect(fromBucketPolicy("public-read").policyType).toBe(
      minio.BucketPolicyType.BUCKET_POLICY_TYPE_PUBLIC_READ,
    );
  });

  it("sends a custom policy document with the CUSTOM type", () => {
    expect(fromBucketPolicy({ custom: "{}" })).toEqual({
      policyType: minio.BucketPolicyType.BUCKET_POLICY_TYPE_CUSTOM,
      customPolicy: "{}",
    });
  });

  it("refuses names that are not policies, including inherited property names", () => {
    for (const bad of ["custom", "toString", "public", 3, null, { custom: 1 }]) {
      expect(() => fromBucketPolicy(bad as never)).toThrow(TypeError);
    }
  });
});

describe("infos", () => {
  it("turns timestamps into Dates and int64 into numbers", () => {
    const info = toObjectInfo(
      minio.ObjectInfo.fromPartial({
        key: "k",
        size: 42n,
        lastModified: { seconds: 1_700_000_000n, nanos: 5_000_000 },
      }),
    );
    expect(info.size).toBe(42);
    expect(info.lastModified.toISOString()).toBe("2023-11-14T22:13:20.005Z");
  });

  it("marks a missing timestamp with an Invalid Date rather than a plausible one", () => {
    const info = toBucketInfo(minio.BucketInfo.fromPartial({ name: "b" }));
    expect(Number.isNaN(info.creationDate.getTime())).toBe(true);
    expect(info).not.toHaveProperty("organizationId");
  });

  it("throws when the response lacks the info", () => {
    expect(() => toObjectInfo(undefined)).toThrow(/object_info/);
  });
});
