import type { Identity } from "@isa-cloud/rpc/wire";
import type { FastifyReply, FastifyRequest } from "fastify";
import { HttpProblem } from "./http-problem.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The verified caller; set for every route under /api/v1/data that reached its handler. */
    identity: Identity | null;
    /** Why the token was refused, kept until after rate limiting (see app.ts). */
    authError: unknown;
  }
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer[ ]+([^ ]+)[ ]*$/i.exec(header ?? "");
  return match?.[1];
}

/**
 * onRequest: verifies the bearer token and remembers the outcome. It does not
 * answer yet, so the rate limiter (which runs next) can count refused callers by
 * address and accepted ones by user.
 */
export function identify(verify: (token: string) => Promise<Identity>) {
  return async function identifyHook(request: FastifyRequest): Promise<void> {
    const token = bearerToken(request.headers.authorization);
    if (token === undefined) {
      request.authError = new HttpProblem(
        401,
        "unauthenticated",
        "send the header `Authorization: Bearer <token>` (get a dev token with `isa token`)",
      );
      return;
    }
    try {
      // The service-side identity keeps the token: it is what the API forwards.
      request.identity = { ...(await verify(token)), token };
    } catch (err) {
      request.authError = err;
    }
  };
}

/**
 * preParsing: refuses an unauthenticated request before its body is read, a
 * service-to-service token (403), and a `user_id` query parameter (the guide's API took the user from there) that names
 * anyone but the token's user.
 */
export async function requireIdentity(
  request: FastifyRequest,
  _reply: FastifyReply,
): Promise<void> {
  if (!request.identity) throw request.authError;
  if (request.identity.system) {
    // A system token reaches the storage service's system namespace; it belongs between
    // services, never in a browser or script talking to the public edge.
    throw new HttpProblem(
      403,
      "permission_denied",
      "service-to-service (isa_system) tokens are not accepted by the HTTP API; use a user token",
    );
  }
  const claimed = (request.query as { user_id?: unknown } | undefined)?.user_id;
  if (typeof claimed === "string" && claimed !== "" && claimed !== request.identity.userId) {
    throw new HttpProblem(
      403,
      "permission_denied",
      `user_id "${claimed}" is not the token's user; leave user_id out, the token says who you are`,
    );
  }
}
