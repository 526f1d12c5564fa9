import type { DataService } from "@isa-cloud/data-service";
import type { FastifyRequest } from "fastify";

/**
 * The DataService bound to the request's verified caller, and that caller's user id:
 * every service call it makes carries the caller's own token, and the services check
 * tenancy themselves, so the API cannot reach anything its caller could not.
 */
export function callerOf(
  data: DataService,
  request: FastifyRequest,
): { caller: DataService; userId: string } {
  const identity = request.identity;
  if (!identity?.token) throw new Error("callerOf used on a route without authentication");
  return {
    caller: data.forCaller({ userId: identity.userId, token: identity.token }),
    userId: identity.userId,
  };
}
