import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { escapeSegment, MAX_SEGMENT_BYTES, unescapeName } from "./escape.js";
import { idSegment, tenantPath } from "./tenant.js";

/** `escapeSegment` read back: what proves a kept segment is the id and nothing else. */
function unescapeSegment(name: string): string | undefined {
  if (name === "%2e") return ".";
  if (name === "%2e%2e") return "..";
  return unescapeName(name);
}

describe("tenant paths", () => {
  it("keep user a's bucket b-x apart from user a-b's bucket x", () => {
    const one = `${tenantPath({ kind: "user", id: "a" })}/b-x`;
    const two = `${tenantPath({ kind: "user", id: "a-b" })}/x`;
    expect(one).toBe("u/a/b-x");
    expect(two).toBe("u/a-b/x");
    expect(one).not.toBe(two);
  });

  it("keep users, organizations and the system namespace apart", () => {
    const paths = [
      tenantPath({ kind: "user", id: "acme" }),
      tenantPath({ kind: "org", id: "acme" }),
      tenantPath({ kind: "system" }),
      tenantPath({ kind: "user", id: "sys" }),
    ];
    expect(new Set(paths).size).toBe(paths.length);
  });

  it("cannot be steered out of their directory by an id", () => {
    for (const id of ["..", "../../etc", "a/b", "/"]) {
      const path = tenantPath({ kind: "user", id });
      expect(path.split("/")).toHaveLength(2);
      expect(path.split("/")[1]).not.toMatch(/^\.\.?$/);
      expect(unescapeSegment(path.split("/")[1] as string)).toBe(id);
    }
    expect(unescapeSegment(escapeSegment(".."))).toBe("..");
  });
});

describe("idSegment", () => {
  it("keeps the escaped id while it fits, so existing names stay where they are", () => {
    expect(idSegment("alice")).toBe("alice");
    expect(idSegment("Mallory/../../etc")).toBe("^mallory%2f..%2f..%2fetc");
    expect(idSegment("a".repeat(MAX_SEGMENT_BYTES))).toBe("a".repeat(MAX_SEGMENT_BYTES));
    expect(idSegment("日".repeat(28))).toBe(escapeSegment("日".repeat(28))); // 252 bytes escaped
  });

  it("writes an id that does not fit as a hex prefix and its SHA-256, 130 bytes", () => {
    const id = "日".repeat(29); // 261 bytes escaped
    const segment = idSegment(id);
    const bytes = Buffer.from(id, "utf8");
    expect(segment).toBe(
      `~${bytes.subarray(0, 32).toString("hex")}~${createHash("sha256").update(bytes).digest("hex")}`,
    );
    expect(segment).toHaveLength(130);
    expect(segment).toMatch(/^~[0-9a-f]{64}~[0-9a-f]{64}$/);
    expect(idSegment("a".repeat(MAX_SEGMENT_BYTES + 1))).toHaveLength(130);
  });

  it("stays within a file name's 255 bytes for an id of any length", () => {
    for (const id of ["x".repeat(300), "Ü".repeat(5000), "😀".repeat(100_000)]) {
      expect(idSegment(id).length).toBeLessThanOrEqual(MAX_SEGMENT_BYTES);
    }
  });

  it("keeps ids apart that share their first bytes, or that spell another id's hashed form", () => {
    const long = "p".repeat(400);
    const segments = [
      idSegment(`${long}a`),
      idSegment(`${long}b`),
      idSegment(long),
      // An id that is itself a hashed segment is escaped ('~' is %7e), not mistaken for one.
      idSegment(idSegment(long)),
    ];
    expect(new Set(segments).size).toBe(segments.length);
    expect(segments[3]).toMatch(/^%7e/);
  });
});
