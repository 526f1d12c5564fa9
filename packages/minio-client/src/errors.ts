import { InvalidArgumentError, IsaError } from "@isa-cloud/rpc/wire";
import { Status } from "nice-grpc-common";

const SERVICE = "/isa.minio.MinIOService/";

/**
 * A bad argument caught before anything is sent, thrown as the same class the
 * service would use, so callers have one thing to catch.
 */
export function invalidArgument(method: string, message: string): InvalidArgumentError {
  return new InvalidArgumentError(SERVICE + method, Status.INVALID_ARGUMENT, message);
}

/**
 * Older isA servers report some failures in-band (`success: false` plus `error`)
 * instead of as a status; ours never do. Either way the caller gets a throw.
 */
export function assertSuccess<T extends { success: boolean; error?: string }>(
  method: string,
  response: T,
): T {
  if (!response.success) {
    throw new IsaError(
      SERVICE + method,
      Status.UNKNOWN,
      response.error || "the service reported a failure without a reason",
    );
  }
  return response;
}
