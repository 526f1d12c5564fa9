import type { DataService } from "@isa-cloud/data-service";
import type { FastifyRequest } from "fastify";

/**
 * Runs `fn` for the request's verified user, with the user's own token on every
 * service call it makes: the services check tenancy themselves, so the API cannot
 * reach anything its caller could not.
 */
export function asCaller<T>(
  data: DataService,
  request: FastifyRequest,
  fn: (userId: string) => Promise<T>,
): Promise<T> {
  const identity = request.identity;
  if (!identity?.token) throw new Error("asCaller used on a route without authentication");
  return data.storage.withToken(identity.token, () => fn(identity.userId));
}
