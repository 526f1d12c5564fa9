import { describe, expect, it } from "vitest";
import { compareUtf8 } from "./compare-utf8.js";

describe("compareUtf8", () => {
  it("orders like the UTF-8 bytes, as S3 lists keys", () => {
    const values = [
      "a",
      "a/",
      "a-",
      "ab",
      "",
      "\uffff",
      "\ue000",
      "😀",
      "日本",
      "z",
      "Z",
      "a\u0000",
    ];
    const byBytes = [...values].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect([...values].sort(compareUtf8)).toEqual(byBytes);
  });

  it("puts characters above U+FFFF after U+E000-U+FFFF, unlike JavaScript's <", () => {
    expect("😀" < "\uffff").toBe(true);
    expect(compareUtf8("😀", "\uffff")).toBeGreaterThan(0);
  });
});
