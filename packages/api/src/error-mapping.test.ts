import {
  AbortedError,
  AlreadyExistsError,
  DeadlineExceededError,
  FailedPreconditionError,
  InvalidArgumentError,
  IsaError,
  NotFoundError,
  PermissionDeniedError,
  ResourceExhaustedError,
  ServiceUnavailableError,
  UnauthenticatedError,
} from "@isa-cloud/rpc/wire";
import { ServerError, Status } from "nice-grpc-common";
import { describe, expect, it } from "vitest";
import { toHttpError, withoutServerPaths } from "./error-mapping.js";
import { HttpProblem } from "./http-problem.js";

const path = "/isa.duckdb.DuckDBService/ExecuteQuery";

describe("toHttpError", () => {
  it.each([
    [InvalidArgumentError, Status.INVALID_ARGUMENT, 400, "invalid_argument"],
    [FailedPreconditionError, Status.FAILED_PRECONDITION, 400, "failed_precondition"],
    [UnauthenticatedError, Status.UNAUTHENTICATED, 401, "unauthenticated"],
    [PermissionDeniedError, Status.PERMISSION_DENIED, 403, "permission_denied"],
    [NotFoundError, Status.NOT_FOUND, 404, "not_found"],
    [AlreadyExistsError, Status.ALREADY_EXISTS, 409, "already_exists"],
    [AbortedError, Status.ABORTED, 409, "aborted"],
    [ResourceExhaustedError, Status.RESOURCE_EXHAUSTED, 413, "resource_exhausted"],
    [ServiceUnavailableError, Status.UNAVAILABLE, 503, "service_unavailable"],
    [DeadlineExceededError, Status.DEADLINE_EXCEEDED, 504, "deadline_exceeded"],
  ] as const)("maps %o to its HTTP status", (ErrorClass, code, statusCode, name) => {
    const mapped = toHttpError(new ErrorClass(path, code, "details from the server"));
    expect(mapped.statusCode).toBe(statusCode);
    expect(mapped.code).toBe(name);
  });

  it("passes the server's message on for caller mistakes", () => {
    const mapped = toHttpError(new InvalidArgumentError(path, Status.INVALID_ARGUMENT, "bad SQL"));
    expect(mapped.message).toBe("bad SQL");
  });

  it("says which service is down and when to retry, without internal addresses", () => {
    const mapped = toHttpError(
      new ServiceUnavailableError(path, Status.UNAVAILABLE, "connect ECONNREFUSED 10.0.0.7:50052"),
      7,
    );
    expect(mapped).toEqual({
      statusCode: 503,
      code: "service_unavailable",
      message: "the analytics service is unavailable; retry in a few seconds",
      retryAfter: 7,
    });
    const storage = toHttpError(
      new DeadlineExceededError("/isa.minio.MinIOService/GetObject", Status.DEADLINE_EXCEEDED, "x"),
    );
    expect(storage.message).toBe("the storage service did not answer in time");
  });

  it("hides the details of unexpected service errors", () => {
    const mapped = toHttpError(new IsaError(path, Status.INTERNAL, "stack trace here"));
    expect(mapped.statusCode).toBe(500);
    expect(mapped.message).not.toContain("stack");
  });

  it("maps the token verifier's errors", () => {
    expect(toHttpError(new ServerError(Status.UNAUTHENTICATED, "expired")).statusCode).toBe(401);
    const jwks = toHttpError(new ServerError(Status.UNAVAILABLE, "JWKS down"));
    expect(jwks.statusCode).toBe(503);
    expect(jwks.retryAfter).toBe(5);
  });

  it("keeps the status of the API's own problems and of Fastify's client errors", () => {
    expect(toHttpError(new HttpProblem(413, "payload_too_large", "big")).statusCode).toBe(413);
    const tooLarge = Object.assign(new Error("Request body is too large"), {
      statusCode: 413,
      code: "FST_ERR_CTP_BODY_TOO_LARGE",
    });
    expect(toHttpError(tooLarge).code).toBe("payload_too_large");
    const validation = Object.assign(new Error("body must have required property 'sql'"), {
      statusCode: 400,
      validation: [{}],
    });
    expect(toHttpError(validation)).toMatchObject({ statusCode: 400, code: "invalid_argument" });
    const limited = Object.assign(new Error("Rate limit exceeded"), { statusCode: 429 });
    expect(toHttpError(limited).code).toBe("rate_limited");
  });

  it("answers 500 with a generic message for anything else", () => {
    expect(toHttpError(new TypeError("x is undefined"))).toEqual({
      statusCode: 500,
      code: "internal",
      message: "internal error; see the server log",
    });
  });
});

describe("withoutServerPaths", () => {
  it("replaces absolute paths and stack frames, keeping keys, routes and URLs", () => {
    expect(
      withoutServerPaths(
        `Invalid Input Error: No magic bytes found at end of file '/var/lib/isa/staging/import_1a.parquet'\n    at run (/app/dist/x.js:1:2)`,
      ),
    ).toBe("Invalid Input Error: No magic bytes found at end of file '<server file>'");
    expect(withoutServerPaths("cannot open C:\\data\\db.duckdb")).toBe("cannot open <server file>");
    expect(
      withoutServerPaths(
        '"events/2024.csv" not found; see POST /api/v1/data/import or https://x.io/a/b',
      ),
    ).toBe('"events/2024.csv" not found; see POST /api/v1/data/import or https://x.io/a/b');
  });

  it("is applied to what the services say", () => {
    const err = new InvalidArgumentError(
      "/isa.duckdb.DuckDBService/ImportFromMinIO",
      Status.INVALID_ARGUMENT,
      "bad file /tmp/stage/x.parquet",
    );
    expect(toHttpError(err).message).toBe("bad file <server file>");
  });
});
