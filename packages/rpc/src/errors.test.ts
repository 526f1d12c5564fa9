import { AbortError } from "abort-controller-x";
import { ClientError, Status } from "nice-grpc";
import { describe, expect, it } from "vitest";
import { NotFoundError, ServiceUnavailableError, StorageError, toTypedError } from "./errors.js";

describe("toTypedError", () => {
  it("returns abort errors and non-gRPC errors untouched", () => {
    const abort = new AbortError();
    const plain = new TypeError("x");
    expect(toTypedError(abort)).toBe(abort);
    expect(toTypedError(plain)).toBe(plain);
    expect(toTypedError("string")).toBe("string");
  });

  it("returns an error that is typed already untouched", () => {
    const typed = new NotFoundError("/a.B/C", Status.NOT_FOUND, "gone");
    expect(toTypedError(typed)).toBe(typed);
  });

  it("keeps path, code and details and adds what to do to the message", () => {
    const err = toTypedError(new ClientError("/a.B/C", Status.UNAVAILABLE, "connect failed"), {
      address: "db:50052",
    }) as ServiceUnavailableError;
    expect(err).toBeInstanceOf(ServiceUnavailableError);
    expect(err).toBeInstanceOf(StorageError);
    expect([err.path, err.code, err.details]).toEqual([
      "/a.B/C",
      Status.UNAVAILABLE,
      "connect failed",
    ]);
    expect(err.message).toBe(
      "/a.B/C UNAVAILABLE: connect failed (is the service running at db:50052?)",
    );
  });
});
