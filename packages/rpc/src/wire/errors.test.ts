import { AbortError } from "abort-controller-x";
import { ClientError, Status } from "nice-grpc";
import { describe, expect, it } from "vitest";
import { IsaError, NotFoundError, ServiceUnavailableError, toTypedError } from "./errors.js";

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
    expect(err).toBeInstanceOf(IsaError);
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

describe("instanceof across two installed copies", () => {
  it("recognizes a typed error made by another copy of this module by its brand", async () => {
    // A query string makes vitest load a second, separate instance of the module: the
    // situation of an app with two versions of @isa-cloud/rpc installed.
    const secondCopy = "./errors.js?second-copy";
    const other = (await import(secondCopy)) as typeof import("./errors.js");
    expect(other.NotFoundError).not.toBe(NotFoundError);
    const foreign = new other.NotFoundError("/a.B/C", Status.NOT_FOUND, "gone");
    expect(foreign).toBeInstanceOf(NotFoundError);
    expect(foreign).toBeInstanceOf(IsaError);
    expect(foreign).not.toBeInstanceOf(ServiceUnavailableError);
    expect(toTypedError(foreign)).toBe(foreign);
  });

  it("recognizes nothing without the brand, and names errors by their class", () => {
    const plain = new ClientError("/a.B/C", Status.NOT_FOUND, "gone");
    expect(plain).not.toBeInstanceOf(IsaError);
    expect({ name: "NotFoundError" }).not.toBeInstanceOf(NotFoundError);
    expect(new NotFoundError("/a.B/C", Status.NOT_FOUND, "gone").name).toBe("NotFoundError");
  });
});
