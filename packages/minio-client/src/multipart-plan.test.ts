import { describe, expect, it } from "vitest";
import { MAX_PARTS, MIN_PART_SIZE, planParts } from "./multipart-plan.js";

const MiB = 1024 * 1024;

describe("planParts", () => {
  it("cuts a file into numbered parts with a shorter last part", () => {
    expect(planParts(13 * MiB, 5 * MiB)).toEqual([
      { partNumber: 1, offset: 0, length: 5 * MiB },
      { partNumber: 2, offset: 5 * MiB, length: 5 * MiB },
      { partNumber: 3, offset: 10 * MiB, length: 3 * MiB },
    ]);
  });

  it("gives a size that is an exact multiple whole parts only", () => {
    const parts = planParts(16 * MiB, 8 * MiB);
    expect(parts.map((p) => p.length)).toEqual([8 * MiB, 8 * MiB]);
  });

  it("grows the part size when the object would need more than 10,000 parts", () => {
    const size = MAX_PARTS * MIN_PART_SIZE + 1;
    const parts = planParts(size, MIN_PART_SIZE);
    expect(parts.length).toBeLessThanOrEqual(MAX_PARTS);
    expect(parts.reduce((sum, p) => sum + p.length, 0)).toBe(size);
    const last = parts.at(-1)!;
    expect(last.offset + last.length).toBe(size);
  });

  it("refuses a part size under S3's 5 MiB minimum", () => {
    expect(() => planParts(20 * MiB, 5 * MiB - 1)).toThrow(RangeError);
  });

  it("refuses a negative or fractional size", () => {
    expect(() => planParts(-1, 5 * MiB)).toThrow(RangeError);
    expect(() => planParts(1.5, 5 * MiB)).toThrow(RangeError);
  });

  it("plans no parts for an empty file", () => {
    expect(planParts(0, 5 * MiB)).toEqual([]);
  });
});
