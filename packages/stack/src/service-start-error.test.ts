import { describe, expect, it } from "vitest";
import { ServiceStartError } from "./service-start-error.js";

describe("ServiceStartError", () => {
  it("names the service and keeps the original error as its cause", () => {
    const cause = new Error("listen EADDRINUSE: address already in use 127.0.0.1:50051");
    const err = new ServiceStartError("storage", cause);
    expect(err.message).toBe(`storage did not start: ${cause.message}`);
    expect(err.cause).toBe(cause);
    expect(err.name).toBe("ServiceStartError");
  });

  it("is recognised by its brand, as one from a second installed copy would be", () => {
    const fromOtherCopy = Object.assign(new Error("x"), {
      [Symbol.for("@isa-cloud/stack.ServiceStartError")]: true,
    });
    expect(fromOtherCopy).toBeInstanceOf(ServiceStartError);
    expect(new Error("x")).not.toBeInstanceOf(ServiceStartError);
  });
});
