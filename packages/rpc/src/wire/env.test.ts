import { describe, expect, it } from "vitest";
import { ConfigError, readBoolean, readChoice, readHost, readInteger, readPort } from "./env.js";

describe("environment readers", () => {
  it("use the default when a variable is unset or blank", () => {
    expect(readPort({}, "P", 8080)).toBe(8080);
    expect(readPort({ P: "  " }, "P", 8080)).toBe(8080);
    expect(readHost({}, "H", "localhost")).toBe("localhost");
    expect(readBoolean({}, "B", true)).toBe(true);
  });

  it("accept ports from 0 to 65535", () => {
    expect(readPort({ P: "0" }, "P", 1)).toBe(0);
    expect(readPort({ P: "65535" }, "P", 1)).toBe(65535);
  });

  it.each(["65536", "-1", "80a", "8.5", "http"])("refuse the port %s, naming the variable", (v) => {
    const read = () => readPort({ API_PORT: v }, "API_PORT", 8080);
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(`API_PORT must be a port number from 0 to 65535, got "${v}"`);
  });

  it("accept host names and IP addresses", () => {
    for (const host of ["localhost", "minio.internal", "10.0.0.7", "::1", "[::1]", "a-b.c"]) {
      expect(readHost({ H: host }, "H", "x")).toBe(host);
    }
  });

  it.each(["http://localhost", "localhost:50051", "host/path", "-bad", "a b"])(
    "refuse the host %s",
    (host) => {
      expect(() => readHost({ MINIO_GRPC_HOST: host }, "MINIO_GRPC_HOST", "x")).toThrow(
        /MINIO_GRPC_HOST must be a host name or IP address/,
      );
    },
  );

  it("keep whole numbers within their range", () => {
    expect(readInteger({ N: "5" }, "N", 1, { min: 1, max: 10 })).toBe(5);
    expect(() => readInteger({ N: "0" }, "N", 1, { min: 1, max: 10 })).toThrow(
      'N must be a whole number from 1 to 10, got "0"',
    );
    expect(() => readInteger({ N: "1e3" }, "N", 1)).toThrow(ConfigError);
  });

  it("read booleans in their usual spellings and refuse others", () => {
    expect(readBoolean({ B: "yes" }, "B", false)).toBe(true);
    expect(readBoolean({ B: "OFF" }, "B", true)).toBe(false);
    expect(() => readBoolean({ B: "maybe" }, "B", true)).toThrow(
      'B must be true or false, got "maybe"',
    );
  });

  it("read one of a set of words", () => {
    expect(readChoice({ L: "debug" }, "L", ["info", "debug"], "info")).toBe("debug");
    expect(() => readChoice({ L: "loud" }, "L", ["info", "debug"], "info")).toThrow(
      'L must be one of info, debug, got "loud"',
    );
  });

  it("keep the variable's name on the error", () => {
    try {
      readPort({ DUCKDB_GRPC_PORT: "x" }, "DUCKDB_GRPC_PORT", 50052);
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigError).variable).toBe("DUCKDB_GRPC_PORT");
    }
  });
});
