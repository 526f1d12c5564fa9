import type { DataService } from "@isa-cloud/data-service";
import type { FastifyRequest } from "fastify";

/**
 * Runs `fn` with the DataService bound to the request's verified caller: every service
 * call it makes carries the caller's own token, and the services check tenancy
 * themselves, so the API cannot reach anything its caller could not.
 */
export function asCaller<T>(
  data: DataService,
  request: FastifyRequest,
  fn: (caller: DataService, userId: string) => Promise<T>,
): Promise<T> {
  const identity = request.identity;
  if (!identity?.token) throw new Error("asCaller used on a route without authentication");
  return fn(data.forCaller({ userId: identity.userId, token: identity.token }), identity.userId);
}
