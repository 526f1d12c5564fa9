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
import { HttpProblem } from "./http-problem.js";

/** What the API answers for an error: status, a stable code, a message a person can act on. */
export interface HttpError {
  statusCode: number;
  /** Stable machine-readable code, e.g. "not_found". */
  code: string;
  message: string;
  /** Seconds, sent as Retry-After (503 and 429). */
  retryAfter?: number;
}

/** The shape of every error body. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  code: string;
  message: string;
}

const ERROR_NAMES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  406: "Not Acceptable",
  409: "Conflict",
  412: "Precondition Failed",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  416: "Range Not Satisfiable",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

export function errorName(statusCode: number): string {
  return ERROR_NAMES[statusCode] ?? "Error";
}

/**
 * Typed errors of @isa-cloud/rpc (from the services or from data-service's own
 * checks) to HTTP, following Google's gRPC-to-HTTP table except where noted.
 * Order matters only for readability: the classes are disjoint.
 */
const BY_CLASS: Array<[new (...args: never[]) => IsaError, number, string]> = [
  [InvalidArgumentError, 400, "invalid_argument"],
  // A precondition of the data (e.g. a non-empty bucket) is something the caller fixes: 400.
  [FailedPreconditionError, 400, "failed_precondition"],
  [UnauthenticatedError, 401, "unauthenticated"],
  [PermissionDeniedError, 403, "permission_denied"],
  [NotFoundError, 404, "not_found"],
  [AlreadyExistsError, 409, "already_exists"],
  [AbortedError, 409, "aborted"],
  // Our services raise RESOURCE_EXHAUSTED for sizes (a message or a result too large),
  // not for rates, so it is 413 rather than Google's 429: retrying cannot help.
  [ResourceExhaustedError, 413, "resource_exhausted"],
  [ServiceUnavailableError, 503, "service_unavailable"],
  [DeadlineExceededError, 504, "deadline_exceeded"],
];

const SERVER_ERROR_STATUS: Partial<Record<Status, [number, string]>> = {
  [Status.UNAUTHENTICATED]: [401, "unauthenticated"],
  [Status.PERMISSION_DENIED]: [403, "permission_denied"],
  [Status.UNAVAILABLE]: [503, "service_unavailable"],
  [Status.INVALID_ARGUMENT]: [400, "invalid_argument"],
};

/**
 * Maps an error to its HTTP answer. Unknown errors become a 500 whose message
 * says nothing of the internals (the details go to the log only).
 */
export function toHttpError(err: unknown, retryAfterSeconds = 5): HttpError {
  const mapped = mapError(err, retryAfterSeconds);
  // The API's own messages name routes ("PUT /files/{path}"), never files.
  if (err instanceof HttpProblem) return mapped;
  return { ...mapped, message: withoutServerPaths(mapped.message) };
}

/**
 * Absolute file paths (`/var/lib/isa/staging/import_1a2b.parquet`, `C:\data\x`) and stack
 * frames in a message from a service (DuckDB names the file it failed to read) say
 * nothing the caller can use and tell an attacker the server's layout: each becomes
 * "<server file>". Object keys are relative; URLs and the API's routes (`/api/...`) stay.
 */
export function withoutServerPaths(message: string): string {
  return message
    .replace(/\n\s*at [^\n]*/g, "")
    .replace(/(^|[\s'"(=:])(?:\/(?![/\s]|api\/)|[A-Za-z]:\\)[^\s'"),;]*/g, "$1<server file>");
}

function mapError(err: unknown, retryAfterSeconds: number): HttpError {
  if (err instanceof HttpProblem) {
    return { statusCode: err.statusCode, code: err.code, message: err.message };
  }
  if (err instanceof IsaError) {
    for (const [ErrorClass, statusCode, code] of BY_CLASS) {
      if (!(err instanceof ErrorClass)) continue;
      if (statusCode === 503) {
        // The transport's details name internal addresses; the caller needs only which and when.
        return {
          statusCode,
          code,
          message: `the ${serviceOf(err.path)} is unavailable; retry in a few seconds`,
          retryAfter: retryAfterSeconds,
        };
      }
      if (statusCode === 504) {
        return { statusCode, code, message: `the ${serviceOf(err.path)} did not answer in time` };
      }
      return { statusCode, code, message: err.details };
    }
    return { statusCode: 500, code: "internal", message: "a service failed; see the server log" };
  }
  // The token verifier speaks in ServerErrors (it is shared with the gRPC servers).
  if (err instanceof ServerError) {
    const [statusCode, code] = SERVER_ERROR_STATUS[err.code] ?? [500, "internal"];
    const mapped: HttpError = {
      statusCode,
      code,
      message: statusCode === 500 ? "internal error; see the server log" : err.details,
    };
    if (statusCode === 503) mapped.retryAfter = retryAfterSeconds;
    return mapped;
  }
  const fastify = fastifyError(err);
  if (fastify) return fastify;
  return { statusCode: 500, code: "internal", message: "internal error; see the server log" };
}

function serviceOf(path: string): string {
  if (path.startsWith("/isa.minio.")) return "storage service";
  if (path.startsWith("/isa.duckdb.")) return "analytics service";
  return "backing service";
}

/** Fastify's own errors (validation, body limit, content type, rate limit) carry a 4xx statusCode. */
function fastifyError(err: unknown): HttpError | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const { statusCode, code, message, validation } = err as {
    statusCode?: unknown;
    code?: unknown;
    message?: unknown;
    validation?: unknown;
  };
  if (typeof statusCode !== "number" || statusCode < 400 || statusCode >= 500) return undefined;
  const text = typeof message === "string" ? message : errorName(statusCode);
  if (validation) return { statusCode: 400, code: "invalid_argument", message: text };
  if (code === "FST_ERR_CTP_BODY_TOO_LARGE" || statusCode === 413) {
    return { statusCode: 413, code: "payload_too_large", message: text };
  }
  const byStatus: Record<number, string> = {
    400: "invalid_argument",
    401: "unauthenticated",
    403: "permission_denied",
    404: "not_found",
    415: "unsupported_media_type",
    429: "rate_limited",
  };
  return { statusCode, code: byStatus[statusCode] ?? "bad_request", message: text };
}
