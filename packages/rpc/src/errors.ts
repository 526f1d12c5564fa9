import { ClientError, Status } from "nice-grpc";

/** What the error-mapping middleware knows about the call, to write a helpful message. */
export interface ErrorContext {
  /** The address(es) the client talks to, named in UNAVAILABLE messages. */
  address?: string;
}

/**
 * Base of every typed error a client of this platform throws (the integration guide's
 * catch-all name). A `ClientError`: `path`, `code` and `details` are the server's.
 */
export class StorageError extends ClientError {
  constructor(path: string, code: Status, details: string, hint?: string) {
    super(path, code, details);
    this.name = "StorageError";
    if (hint) this.message = `${this.message} (${hint})`;
  }
}

export class NotFoundError extends StorageError {
  constructor(path: string, code: Status, details: string, hint?: string) {
    super(path, code, details, hint ?? "check the name; it may not exist or be someone else's");
    this.name = "NotFoundError";
  }
}

export class AlreadyExistsError extends StorageError {
  constructor(path: string, code: Status, details: string, hint?: string) {
    super(path, code, details, hint ?? "pick another name or use the existing one");
    this.name = "AlreadyExistsError";
  }
}

export class InvalidArgumentError extends StorageError {
  constructor(path: string, code: Status, details: string, hint?: string) {
    super(path, code, details, hint ?? "fix the request; retrying as is will fail again");
    this.name = "InvalidArgumentError";
  }
}

export class FailedPreconditionError extends StorageError {
  constructor(path: string, code: Status, details: string, hint?: string) {
    super(path, code, details, hint ?? "the target is not in a state that allows this call");
    this.name = "FailedPreconditionError";
  }
}

export class PermissionDeniedError extends StorageError {
  constructor(path: string, code: Status, details: string, hint?: string) {
    super(path, code, details, hint ?? "the token's user or organization may not do this");
    this.name = "PermissionDeniedError";
  }
}

export class UnauthenticatedError extends StorageError {
  constructor(path: string, code: Status, details: string, hint?: string) {
    super(path, code, details, hint ?? "pass a valid token in the client's `token` option");
    this.name = "UnauthenticatedError";
  }
}

export class ResourceExhaustedError extends StorageError {
  constructor(path: string, code: Status, details: string, hint?: string) {
    super(
      path,
      code,
      details,
      hint ?? "a limit was hit (message size, quota or rate); send less or wait",
    );
    this.name = "ResourceExhaustedError";
  }
}

export class DeadlineExceededError extends StorageError {
  constructor(path: string, code: Status, details: string, hint?: string) {
    super(path, code, details, hint ?? "raise `deadline` for this call or `defaultDeadlineMs`");
    this.name = "DeadlineExceededError";
  }
}

export class ServiceUnavailableError extends StorageError {
  constructor(path: string, code: Status, details: string, hint?: string) {
    super(path, code, details, hint ?? "is the service running and reachable?");
    this.name = "ServiceUnavailableError";
  }
}

export class AbortedError extends StorageError {
  constructor(path: string, code: Status, details: string, hint?: string) {
    super(path, code, details, hint ?? "a concurrent change got in the way; try again");
    this.name = "AbortedError";
  }
}

type TypedErrorClass = new (
  path: string,
  code: Status,
  details: string,
  hint?: string,
) => StorageError;

const classByCode = new Map<Status, TypedErrorClass>([
  [Status.NOT_FOUND, NotFoundError],
  [Status.ALREADY_EXISTS, AlreadyExistsError],
  [Status.INVALID_ARGUMENT, InvalidArgumentError],
  [Status.FAILED_PRECONDITION, FailedPreconditionError],
  [Status.PERMISSION_DENIED, PermissionDeniedError],
  [Status.UNAUTHENTICATED, UnauthenticatedError],
  [Status.RESOURCE_EXHAUSTED, ResourceExhaustedError],
  [Status.DEADLINE_EXCEEDED, DeadlineExceededError],
  [Status.UNAVAILABLE, ServiceUnavailableError],
  [Status.ABORTED, AbortedError],
]);

/**
 * Turns a nice-grpc `ClientError` into the matching typed error (any other code becomes a
 * plain `StorageError`). Everything else, abort errors in particular, comes back untouched,
 * as do errors that are typed already.
 */
export function toTypedError(err: unknown, context: ErrorContext = {}): unknown {
  if (!(err instanceof ClientError) || err instanceof StorageError) return err;
  const ErrorClass = classByCode.get(err.code) ?? StorageError;
  const hint =
    err.code === Status.UNAVAILABLE && context.address
      ? `is the service running at ${context.address}?`
      : undefined;
  const typed = new ErrorClass(err.path, err.code, err.details, hint);
  typed.cause = err;
  return typed;
}
