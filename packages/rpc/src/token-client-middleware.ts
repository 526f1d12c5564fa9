import type { CallOptions, ClientMiddleware, ClientMiddlewareCall } from "nice-grpc";
import { Metadata } from "nice-grpc";

/** A fixed token, or a function called before every attempt (so it may refresh). */
export type TokenProvider = string | (() => string | Promise<string>);

/**
 * Client middleware that adds `authorization: Bearer <token>`. A call that sets its own
 * `authorization` metadata keeps it (the HTTP API forwards its caller's token that way).
 */
export function tokenClientMiddleware(token: TokenProvider | undefined): ClientMiddleware {
  return async function* tokenClientMiddleware<Request, Response>(
    call: ClientMiddlewareCall<Request, Response>,
    options: CallOptions,
  ) {
    if (token === undefined || options.metadata?.has("authorization")) {
      return yield* call.next(call.request, options);
    }
    const value = typeof token === "function" ? await token() : token;
    // An empty token means "none" (e.g. an unset env var), not a malformed header.
    if (!value) return yield* call.next(call.request, options);
    const metadata = Metadata(options.metadata).set("authorization", `Bearer ${value}`);
    return yield* call.next(call.request, { ...options, metadata });
  };
}
