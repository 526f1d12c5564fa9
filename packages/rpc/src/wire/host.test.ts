import { describe, expect, it } from "vitest";
import { connectableHost, formatHostPort, isLoopbackHost } from "./host.js";

describe("formatHostPort", () => {
  it("joins a name or IPv4 address and a port with a colon", () => {
    expect(formatHostPort("127.0.0.1", 1)).toBe("127.0.0.1:1");
    expect(formatHostPort("localhost", 50051)).toBe("localhost:50051");
  });

  it("brackets an IPv6 literal, bracketed already or not", () => {
    expect(formatHostPort("::1", 2)).toBe("[::1]:2");
    expect(formatHostPort("[::1]", 3)).toBe("[::1]:3");
    expect(formatHostPort("::", 0)).toBe("[::]:0");
  });
});

describe("connectableHost", () => {
  it("reaches a wildcard bind on loopback and any other host where it is bound", () => {
    for (const wildcard of ["0.0.0.0", "::", "[::]", ""]) {
      expect(connectableHost(wildcard)).toBe("127.0.0.1");
    }
    expect(connectableHost("::1")).toBe("::1");
    expect(connectableHost("[::1]")).toBe("::1");
    expect(connectableHost("10.0.0.7")).toBe("10.0.0.7");
    expect(formatHostPort(connectableHost("::1"), 50051)).toBe("[::1]:50051");
  });
});

describe("isLoopbackHost", () => {
  it("knows localhost, 127/8 and ::1 (plain, bracketed or IPv4-mapped) as loopback", () => {
    for (const host of [
      "localhost",
      "127.0.0.1",
      "127.1.2.3",
      "::1",
      "[::1]",
      "::ffff:127.0.0.1",
    ]) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
  });

  it("treats wildcard, LAN and other names as reachable from elsewhere", () => {
    for (const host of ["0.0.0.0", "::", "[::]", "10.0.0.1", "::ffff:10.0.0.1", "example.com"]) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });
});
