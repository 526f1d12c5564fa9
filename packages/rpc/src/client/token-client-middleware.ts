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
 *
 * Hot path: a plain function (no generator of its own) that hands on `call.next(...)`;
 * the header text is built once per token (the fixed one up front, the last call token
 * and the last provided one cached), and only a provider function makes it async.
 */
export function tokenClientMiddleware(
  provider: TokenProvider | undefined,
): ClientMiddleware<TokenCallOptions> {
  // An empty token means "none" (e.g. an unset env var), not a malformed header.
  const fixedHeader = typeof provider === "string" && provider ? `Bearer ${provider}` : undefined;
  let lastToken = "";
  let lastHeader = "";
  const headerOf = (token: string): string => {
    if (token !== lastToken) {
      lastToken = token;
      lastHeader = `Bearer ${token}`;
    }
    return lastHeader;
  };
  const send = <Request, Response>(
    call: ClientMiddlewareCall<Request, Response>,
    options: CallOptions,
    header: string | undefined,
  ) =>
    header === undefined
      ? call.next(call.request, options)
      : call.next(call.request, {
          ...options,
          metadata: Metadata(options.metadata).set("authorization", header),
        });
  async function* provided<Request, Response>(
    call: ClientMiddlewareCall<Request, Response>,
    options: CallOptions,
    get: () => string | Promise<string>,
  ) {
    const value = await get();
    return yield* send(call, options, value ? headerOf(value) : undefined);
  }
  return function tokenClientMiddleware<Request, Response>(
    call: ClientMiddlewareCall<Request, Response>,
    callOptions: CallOptions & TokenCallOptions,
  ) {
    let options: CallOptions = callOptions;
    let token: string | undefined;
    if ("token" in callOptions) {
      ({ token, ...options } = callOptions);
    }
    if (options.metadata?.has("authorization")) return call.next(call.request, options);
    if (token != null) return send(call, options, token ? headerOf(token) : undefined);
    if (typeof provider === "function") return provided(call, options, provider);
    return send(call, options, fixedHeader);
  };
}
