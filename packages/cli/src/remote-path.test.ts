import { describe, expect, it } from "vitest";
import { joinKey, parseRemote } from "./remote-path.js";

describe("remote paths", () => {
  it("read isa://bucket/key and bucket/key", () => {
    expect(parseRemote("isa://data/a/b.csv")).toEqual({ bucket: "data", key: "a/b.csv" });
    expect(parseRemote("data/dir/")).toEqual({ bucket: "data", key: "dir/" });
    expect(parseRemote("data")).toEqual({ bucket: "data", key: "" });
  });

  it("refuse names that would be read as another object", () => {
    for (const bad of ["data/../x", "data/a/../b.csv", "data/./c.csv", "data/a//b", "data/a\\b"]) {
      expect(() => parseRemote(bad)).toThrow(/must not contain/);
    }
    expect(() => parseRemote("Bad_Bucket/x")).toThrow(/not a bucket name/);
  });

  it("join a prefix and a name with one slash", () => {
    expect(joinKey("", "a")).toBe("a");
    expect(joinKey("p", "a")).toBe("p/a");
    expect(joinKey("p/", "a")).toBe("p/a");
  });
});
