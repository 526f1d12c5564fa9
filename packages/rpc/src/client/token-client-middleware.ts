import type { CallOptions, ClientMiddleware, ClientMiddlewareCall } from "nice-grpc";
import { Metadata } from "nice-grpc";

/** A fixed token, or a function called before every attempt (so it may refresh). */
export type TokenProvider = string | (() => string | Promise<string>);

/** The per-call option this middleware reads. */
export interface TokenCallOptions {
  /**
   * Bearer token of this call, over the client's `token` option: how one client serves
   * many callers, each call sending its own caller's token. Default: the client's.
   * @example client.getObject(request, { token: caller.token })
   */
  token?: string;
}

/**
 * Client middleware that adds `authorization: Bearer <token>`: the call's `token` option,
 * else the client's provider. A call that sets its own `authorization` metadata keeps it.
 */
export function tokenClientMiddleware(
  provider: TokenProvider | undefined,
): ClientMiddleware<TokenCallOptions> {
  return async function* tokenClientMiddleware<Request, Response>(
    call: ClientMiddlewareCall<Request, Response>,
    { token, ...options }: CallOptions & TokenCallOptions,
  ) {
    if (options.metadata?.has("authorization")) return yield* call.next(call.request, options);
    const value = token ?? (typeof provider === "function" ? await provider() : provider);
    // An empty token means "none" (e.g. an unset env var), not a malformed header.
    if (!value) return yield* call.next(call.request, options);
    const metadata = Metadata(options.metadata).set("authorization", `Bearer ${value}`);
    return yield* call.next(call.request, { ...options, metadata });
  };
}
