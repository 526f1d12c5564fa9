import { describe, expect, it } from "vitest";
import {
  dateToTimestamp,
  microsToTimestamp,
  timestampToDate,
  timestampToMicros,
} from "./timestamp.js";

describe("timestamp conversions", () => {
  it("keeps microseconds exactly, before and after the epoch", () => {
    for (const micros of [0n, 1n, -1n, 1_764_028_800_123_456n, -62_135_596_800_000_000n]) {
      expect(timestampToMicros(microsToTimestamp(micros))).toBe(micros);
    }
  });

  it("keeps nanos within [0, 1e9) for instants before 1970", () => {
    expect(microsToTimestamp(-1n)).toEqual({ seconds: -1n, nanos: 999_999_000 });
  });

  it("converts to and from Date at millisecond precision", () => {
    const date = new Date("2026-11-25T08:22:21.123Z");
    expect(timestampToDate(dateToTimestamp(date))).toEqual(date);
    expect(timestampToDate(dateToTimestamp(new Date(-1)))).toEqual(new Date(-1));
  });
});
