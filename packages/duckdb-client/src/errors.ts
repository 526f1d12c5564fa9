import { DuckDBServiceDefinition } from "@isa-cloud/proto";
import { InvalidArgumentError, IsaError } from "@isa-cloud/rpc/wire";
import { Status } from "nice-grpc-common";
import type { Method } from "./rpc-context.js";

function methodPath(method: Method): string {
  return `/${DuckDBServiceDefinition.fullName}/${DuckDBServiceDefinition.methods[method].name}`;
}

/**
 * A bad argument caught before anything is sent, thrown as the same class the
 * service would use, so callers have one thing to catch.
 */
export function invalidArgument(method: Method, message: string): InvalidArgumentError {
  return new InvalidArgumentError(methodPath(method), Status.INVALID_ARGUMENT, message);
}

/**
 * Errors are typed by @isa-cloud/rpc's middleware already; this adds `success: false`
 * from older servers, which report failures in the body instead of a status.
 */
export function assertSuccess<R extends { success: boolean; error?: string }>(
  method: Method,
  response: R,
): R {
  if (!response.success && response.error) {
    throw new IsaError(methodPath(method), Status.UNKNOWN, response.error);
  }
  return response;
}

/** A message field the contract leaves optional but the answer cannot do without. */
export function required<T>(method: Method, value: T | undefined, field: string): T {
  if (value === undefined) {
    throw new IsaError(methodPath(method), Status.INTERNAL, `the response has no ${field}`);
  }
  return value;
}
