import { describe, expect, it } from "vitest";
import { bearerToken } from "./auth.js";
import { decodeBase64 } from "./routes/files.js";

describe("bearerToken", () => {
  it("takes the token of a Bearer header, case-insensitively", () => {
    expect(bearerToken("Bearer abc.def.ghi")).toBe("abc.def.ghi");
    expect(bearerToken("bearer  abc")).toBe("abc");
  });

  it("ignores other schemes and malformed headers", () => {
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken("Basic dXNlcjpwYXNz")).toBeUndefined();
    expect(bearerToken("Bearer")).toBeUndefined();
    expect(bearerToken("Bearer a b")).toBeUndefined();
  });
});

describe("decodeBase64", () => {
  it("decodes padded, unpadded and wrapped base64", () => {
    expect(decodeBase64("aGVsbG8=").toString()).toBe("hello");
    expect(decodeBase64("aGVsbG8").toString()).toBe("hello");
    expect(decodeBase64("aGVs\nbG8=").toString()).toBe("hello");
    expect(decodeBase64("").length).toBe(0);
  });

  it("refuses text that is not base64 instead of skipping characters", () => {
    expect(() => decodeBase64("hello world!")).toThrow("data must be base64 encoded bytes");
    expect(() => decodeBase64("aGVsbG8===")).toThrow();
    expect(() => decodeBase64("a")).toThrow();
  });
});
