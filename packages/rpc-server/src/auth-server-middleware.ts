import type { Identity } from "@isa-cloud/rpc/wire";
import type { CallContext, ServerMiddleware, ServerMiddlewareCall } from "nice-grpc";
import { ServerError, Status } from "nice-grpc";
import type { AuthConfig } from "./identity.js";
import { createTokenVerifier } from "./token-verifier.js";

export interface AuthServerMiddlewareOptions {
  /**
   * Full method paths that need no token, e.g. "/isa.minio.MinIOService/HealthCheck".
   * A valid token sent to them still sets `identity`; an invalid one is ignored so that
   * probes keep working. Default none.
   */
  publicMethods?: string[];
}

/**
 * Verifies `authorization: Bearer <JWT>` and puts the caller's `identity` into the call
 * context (undefined on a public method called without a token). No token:
 * UNAUTHENTICATED. In `trustUserId` mode a call without a token takes its identity from
 * the request's `user_id` (for a client stream: from the first message); never an
 * organization.
 */
export function authServerMiddleware(
  config: AuthConfig,
  opts: AuthServerMiddlewareOptions = {},
): ServerMiddleware<{ identity: Identity }> {
  const verify = createTokenVerifier(config);
  const publicMethods = new Set(opts.publicMethods ?? []);

  return async function* authServerMiddleware<Request, Response>(
    call: ServerMiddlewareCall<Request, Response, { identity: Identity }>,
    context: CallContext,
  ) {
    if (publicMethods.has(call.method.path)) {
      let identity: Identity | undefined;
      try {
        const token = bearerToken(context);
        if (token) identity = await verify(token);
      } catch {
        // A probe with a stale or odd header still gets its answer, just anonymously.
      }
      return yield* call.next(call.request as never, {
        ...context,
        identity: identity as Identity,
      });
    }

    const token = bearerToken(context);
    if (token) {
      const identity = await verify(token);
      return yield* call.next(call.request as never, { ...context, identity });
    }

    if (!config.trustUserId) {
      throw new ServerError(
        Status.UNAUTHENTICATED,
        "missing token: send metadata `authorization: Bearer <JWT>`",
      );
    }

    if (!call.requestStream) {
      const identity = identityFromRequest(call.request);
      return yield* call.next(call.request as never, { ...context, identity });
    }

    // The user id of a client stream sits in its first message: read that one, then hand
    // the service a stream that starts with it again.
    const iterator = call.request[Symbol.asyncIterator]();
    const first = await iterator.next();
    const identity = identityFromRequest(first.done ? undefined : first.value);
    async function* replay(): AsyncIterable<Request> {
      if (first.done) return;
      yield first.value;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        yield next.value;
      }
    }
    return yield* call.next(replay() as never, { ...context, identity });
  };
}

function bearerToken(context: CallContext): string | undefined {
  const header = context.metadata.get("authorization");
  if (typeof header !== "string" || header === "") return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) {
    throw new ServerError(
      Status.UNAUTHENTICATED,
      "the authorization metadata must read `Bearer <JWT>`",
    );
  }
  return match[1];
}

function identityFromRequest(request: unknown): Identity {
  const userId = findField(request, "userId");
  if (!userId) {
    throw new ServerError(
      Status.UNAUTHENTICATED,
      "missing token: send `authorization: Bearer <JWT>` (or user_id, in trust-user-id mode)",
    );
  }
  // Only the user id is taken on trust: an organization named in the request is checked
  // against this identity (which has none), so it can't be claimed without a token.
  return { userId, system: false };
}

/** A string field of the message, or of the member of a `{ $case, value }` oneof it holds. */
function findField(message: unknown, field: string): string | undefined {
  if (typeof message !== "object" || message === null) return undefined;
  const record = message as Record<string, unknown>;
  if (typeof record[field] === "string") return record[field] as string;
  for (const value of Object.values(record)) {
    if (typeof value === "object" && value !== null && "$case" in value && "value" in value) {
      const found = findField((value as { value: unknown }).value, field);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
