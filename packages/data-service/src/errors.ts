import { InvalidArgumentError, NotFoundError, PermissionDeniedError } from "@isa-cloud/rpc/wire";
import { Status } from "nice-grpc-common";

/**
 * Errors this layer finds on its own are the same typed classes the gRPC clients
 * throw, so a caller (the HTTP API) maps one family of errors to statuses instead
 * of two. `path` names this layer rather than an RPC; the empty hint keeps the
 * message to what the caller has to fix.
 */
const PATH = "@isa-cloud/data-service";

export function invalidArgument(message: string): InvalidArgumentError {
  return new InvalidArgumentError(PATH, Status.INVALID_ARGUMENT, message, "");
}

export function notFound(message: string): NotFoundError {
  return new NotFoundError(PATH, Status.NOT_FOUND, message, "");
}

export function permissionDenied(message: string): PermissionDeniedError {
  return new PermissionDeniedError(PATH, Status.PERMISSION_DENIED, message, "");
}
