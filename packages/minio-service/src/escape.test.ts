import { describe, expect, it } from "vitest";
import { escapeName, escapeSegment, unescapeName } from "./escape.js";

const tricky = [
  "",
  "a",
  "A",
  "a-b",
  "a_b",
  "a.b",
  ".",
  "..",
  "...",
  "a/b",
  "a%2fb",
  "%",
  "^a",
  "ä",
  "日本",
  "😀",
  "auth0|5f3c",
  "alice@example.com",
  "with space",
  "\u0000",
];

describe("escapeName", () => {
  it("keeps a-z, 0-9, '.', '_' and '-' as they are", () => {
    expect(escapeName("reports-2024_v1.0")).toBe("reports-2024_v1.0");
  });

  it("writes only lower-case characters, so case-insensitive filesystems keep names apart", () => {
    for (const value of tricky) expect(escapeName(value)).toBe(escapeName(value).toLowerCase());
    expect(escapeName("A")).not.toBe(escapeName("a"));
  });

  it("never produces a '/' or a NUL", () => {
    for (const value of tricky) expect(escapeName(value)).not.toMatch(/[/\0]/);
  });

  it("round-trips and is injective", () => {
    const seen = new Map<string, string>();
    const values = [...tricky];
    for (let i = 0; i < 2000; i++) {
      values.push(
        Array.from({ length: 1 + (i % 7) }, (_, j) =>
          String.fromCodePoint(((i * 7919 + j * 104729) % 0x2ffff) + 1),
        )
          .join("")
          .replace(/[\ud800-\udfff]/g, "x"),
      );
    }
    for (const value of values) {
      const escaped = escapeName(value);
      expect(unescapeName(escaped)).toBe(value);
      const before = seen.get(escaped);
      if (before !== undefined) expect(before).toBe(value);
      seen.set(escaped, value);
    }
  });

  it("refuses names it never produces", () => {
    expect(unescapeName("%41")).toBeUndefined(); // "A" is written ^a
    expect(unescapeName("%zz")).toBeUndefined();
    expect(unescapeName("^1")).toBeUndefined();
    expect(unescapeName("A")).toBeUndefined();
  });
});

describe("escapeSegment", () => {
  it("escapes '.' and '..' as whole segments only", () => {
    expect(escapeSegment(".")).toBe("%2e");
    expect(escapeSegment("..")).toBe("%2e%2e");
    expect(escapeSegment("a.b")).toBe("a.b");
  });
});
