import { ClientError, Status } from "nice-grpc";

/** What the error-mapping middleware knows about the call, to write a helpful message. */
export interface ErrorContext {
  /** The address(es) the client talks to, named in UNAVAILABLE messages. */
  address?: string;
  /**
   * The client dials plaintext: an UNAVAILABLE message then says that a TLS port needs
   * TLS, since a plaintext handshake with one fails as vaguely as a dead address.
   */
  plaintext?: boolean;
}

/**
 * The brand every typed error carries: the names of its class and of each typed class it
 * extends. `instanceof` checks the brand, not the prototype, so it holds when an app ends
 * up with two installed copies of this package (one per client package version), as
 * connect-es does for ConnectError. `Symbol.for` makes the key the same in every copy.
 */
const kindsKey = Symbol.for("@isa-cloud/rpc.error-kinds");

function kindsOf(ctor: unknown): string[] {
  const kinds: string[] = [];
  for (let c = ctor as { kind?: unknown } | null; c; c = Object.getPrototypeOf(c)) {
    if (Object.hasOwn(c, "kind") && typeof c.kind === "string") kinds.push(c.kind);
  }
  return kinds;
}

/**
 * Base of every typed error a client of this platform throws. A `ClientError`: `path`,
 * `code` and `details` are the server's; the message adds what to do.
 */
export class IsaError extends ClientError {
  /** The brand name of this class; every subclass declares its own. */
  static readonly kind: string = "IsaError";

  static override [Symbol.hasInstance](value: unknown): boolean {
    const kinds = (value as { [kindsKey]?: unknown } | null | undefined)?.[kindsKey];
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class instanceof asks about
    return Array.isArray(kinds) && kinds.includes(this.kind);
  }

  declare readonly [kindsKey]: readonly string[];

  constructor(path: string, code: Status, details: string, hint?: string) {
    super(path, code, details);
    this.name = new.target.kind;
    Object.defineProperty(this, kindsKey, { value: kindsOf(new.target) });
    if (hint) this.message = `${this.message} (${hint})`;
  }
}

export class NotFoundError extends IsaError {
  static override readonly kind: string = "NotFoundError";

  constructor(path: string, code: Status, details: string, hint?: string) {
    super(path, code, details, hint ?? "check the name; it may not exist or be someone else's");
  }
}

export class AlreadyExistsError extends IsaError {
  static override readonly kind: string = "AlreadyExistsError";

  constructor(path: string, code: Status, details: string, hint?: string) {
    super(path, code, details, hint ?? "pick another name or use the existing one");
  }
}

export class InvalidArgumentError extends IsaError {
  static override readonly kind: string = "InvalidArgumentError";

  constructor(path: string, code: Status, details: string, hint?: string) {
    super(path, code, details, hint ?? "fix the request; retrying as is will fail again");
  }
}

export class FailedPreconditionError extends IsaError {
  static override readonly kind: string = "FailedPreconditionError";

  constructor(path: string, code: Status, details: string, hint?: string) {
    super(path, code, details, hint ?? "the target is not in a state that allows this call");
  }
}

export class PermissionDeniedError extends IsaError {
  static override readonly kind: string = "PermissionDeniedError";

  constructor(path: string, code: Status, details: string, hint?: string) {
    super(path, code, details, hint ?? "the token's user or organization may not do this");
  }
}

export class UnauthenticatedError extends IsaError {
  static override readonly kind: string = "UnauthenticatedError";

  constructor(path: string, code: Status, details: string, hint?: string) {
    super(path, code, details, hint ?? "pass a valid token in the client's `token` option");
  }
}

export class ResourceExhaustedError extends IsaError {
  static override readonly kind: string = "ResourceExhaustedError";

  constructor(path: string, code: Status, details: string, hint?: string) {
    super(
      path,
      code,
      details,
      hint ?? "a limit was hit (message size, quota or rate); send less or wait",
    );
  }
}

export class DeadlineExceededError extends IsaError {
  static override readonly kind: string = "DeadlineExceededError";

  constructor(path: string, code: Status, details: string, hint?: string) {
    super(path, code, details, hint ?? "raise `deadline` for this call or `defaultDeadlineMs`");
  }
}

export class ServiceUnavailableError extends IsaError {
  static override readonly kind: string = "ServiceUnavailableError";

  constructor(path: string, code: Status, details: string, hint?: string) {
    super(path, code, details, hint ?? "is the service running and reachable?");
  }
}

export class AbortedError extends IsaError {
  static override readonly kind: string = "AbortedError";

  constructor(path: string, code: Status, details: string, hint?: string) {
    super(path, code, details, hint ?? "a concurrent change got in the way; try again");
  }
}

type TypedErrorClass = new (path: string, code: Status, details: string, hint?: string) => IsaError;

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
 * plain `IsaError`). Everything else, abort errors in particular, comes back untouched,
 * as do errors that are typed already.
 */
export function toTypedError(err: unknown, context: ErrorContext = {}): unknown {
  if (!(err instanceof ClientError) || err instanceof IsaError) return err;
  const ErrorClass = classByCode.get(err.code) ?? IsaError;
  const hint =
    err.code === Status.UNAVAILABLE && context.address
      ? context.plaintext
        ? `is the service running at ${context.address}? This client dials plaintext; if the port serves TLS, dial https:// or set ISA_TLS_CA`
        : `is the service running at ${context.address}?`
      : undefined;
  const typed = new ErrorClass(err.path, err.code, err.details, hint);
  typed.cause = err;
  return typed;
}
