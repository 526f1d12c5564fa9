import { randomUUID } from "node:crypto";
import { context, createContextKey } from "@opentelemetry/api";

/**
 * The header (HTTP) and metadata key (gRPC) that carries a request id: accepted from a
 * caller, returned to it, passed on to every call made for it, and written on every
 * access-log line, so one id finds a request's lines in every process it touched.
 */
export const REQUEST_ID_HEADER = "x-request-id";

/**
 * The request id rides in OpenTelemetry's context, as trace ids do. That is ambient state,
 * unlike identity (always a parameter here): W3C trace-context propagation works this way
 * in every OpenTelemetry SDK, and a request id that goes missing costs a log correlation,
 * never an access decision. Keys made by `createContextKey` are `Symbol.for`, so two
 * installed copies of this package share it.
 */
const requestIdKey = createContextKey("@isa-cloud/rpc.request-id");

/**
 * Whether `value` may serve as a request id: 1 to 128 characters of letters, digits and
 * `. _ : / + = -`. Anything else (a header someone stuffed with a log line) is replaced
 * by a fresh id rather than written to logs.
 */
export function isRequestId(value: unknown): value is string {
  return typeof value === "string" && /^[A-Za-z0-9._:/+=-]{1,128}$/.test(value);
}

/** A new request id (a random UUID). */
export function newRequestId(): string {
  return randomUUID();
}

/**
 * Runs `fn` with `id` as the active request id: every call a client of
 * `@isa-cloud/rpc/client` makes inside it (awaits included, where a context manager is
 * registered) sends `x-request-id: <id>`.
 */
export function withRequestId<T>(id: string, fn: () => T): T {
  return context.with(context.active().setValue(requestIdKey, id), fn);
}

/** The request id of the active context, if any. */
export function activeRequestId(): string | undefined {
  const value = context.active().getValue(requestIdKey);
  return typeof value === "string" ? value : undefined;
}
