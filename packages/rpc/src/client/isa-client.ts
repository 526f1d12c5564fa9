import type { ChannelOptions, Client, CompatServiceDefinition } from "nice-grpc";
import { createClientFactory, Status } from "nice-grpc";
import { type DeadlineOptions, deadlineMiddleware } from "nice-grpc-client-middleware-deadline";
import { type RetryOptions, retryMiddleware } from "nice-grpc-client-middleware-retry";
import { DEFAULT_MAX_MESSAGE_BYTES } from "../wire/limits.js";
import { methodsOf } from "../wire/service-definition.js";
import { type BalanceStrategy, createChannelPool } from "./channel-pool.js";
import { errorClientMiddleware } from "./error-client-middleware.js";
import {
  type TokenCallOptions,
  type TokenProvider,
  tokenClientMiddleware,
} from "./token-client-middleware.js";

export interface RetrySettings {
  /** Attempts in all, the first one included (`Infinity` allowed). Default 5. */
  maxAttempts?: number;
  /** Backoff before the first retry, doubled each time, with jitter (0.5x-1x). Default 200. */
  baseDelayMs?: number;
  /** Cap of the backoff. Default 5 000. */
  maxDelayMs?: number;
}

export interface ClientOptions {
  /** "host:port" of the service, or several (calls are spread over all of them). */
  address: string | string[];
  /**
   * Bearer token, or a function called before every attempt. A call's `token` option, or
   * `forToken(token)`, overrides it. Default none.
   */
  token?: TokenProvider;
  /** Channels, each its own TCP connection, per address. Default 1. */
  poolSize?: number;
  /** How calls pick a channel. Default "round-robin"; "least-busy" takes the fewest in flight. */
  balance?: BalanceStrategy;
  /**
   * Deadline of a unary call in ms, covering all its retries. Streams get none by default
   * (a large transfer may take long): pass `{ deadline }` or a `signal` per call. Per call:
   * `{ deadline: 5_000 }` or `{ deadline: new Date(...) }`; `{ deadline: undefined }` for
   * none. Default 30 000.
   */
  defaultDeadlineMs?: number;
  /**
   * Retries of idempotent unary calls (`idempotency_level` NO_SIDE_EFFECTS or IDEMPOTENT in
   * the proto) after UNAVAILABLE or CANCELLED; `false` turns them off. Streams and other
   * calls are never retried unless a call passes `{ retry: true }`. Default `{}` (the
   * defaults of `RetrySettings`).
   */
  retry?: RetrySettings | false;
  /** Largest message sent or received, in bytes. Default 8 MiB (the servers' limit). */
  maxMessageBytes?: number;
  /** grpc-js channel options over ours (keepalive 30 s / 10 s, message sizes). */
  channelOptions?: Record<string, unknown>;
}

/** The per-call options of an IsaClient: `deadline`, `retry*` and `token`. */
export type IsaCallOptions = DeadlineOptions & RetryOptions & TokenCallOptions;

/**
 * A nice-grpc client with `deadline`, `retry*` and `token` call options, `forToken()` for
 * a view that sends one caller's token, and `close()` for its channels.
 */
export type IsaClient<D extends CompatServiceDefinition> = Client<D, IsaCallOptions> & {
  /**
   * The same client (same connections) sending `token` on every call unless a call passes
   * its own: a client bound to one caller. Cheap; `close()` on it does nothing.
   */
  forToken(token: string): IsaClient<D>;
  close(): void;
};

/**
 * Creates a nice-grpc client of `definition` over a channel pool, with typed errors,
 * deadlines, retries and the token.
 */
export function createIsaClient<D extends CompatServiceDefinition>(
  definition: D,
  options: ClientOptions,
): IsaClient<D> {
  const addresses = Array.isArray(options.address) ? options.address : [options.address];
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const pool = createChannelPool({
    addresses,
    poolSize: options.poolSize ?? 1,
    balance: options.balance ?? "round-robin",
    channelOptions: {
      "grpc.max_receive_message_length": maxMessageBytes,
      "grpc.max_send_message_length": maxMessageBytes,
      ...(options.channelOptions as ChannelOptions | undefined),
    },
  });

  // The middleware order, written down once. nice-grpc runs the middleware attached LAST
  // first, so a call passes through these bottom-up:
  //   1. errors   - outermost: maps the final error (after the deadline and every retry)
  //                 to a typed error, so callers never see a retried-away failure;
  //   2. deadline - one budget for the whole call, retries and backoff included, so a
  //                 deadline means "answer by then" however many attempts it takes;
  //   3. retry    - re-runs what is below it: the token and the call on a channel the
  //                 pool picks anew, so a retry may land on another connection or address;
  //   4. token    - innermost: the call's own `token`, else the provider, asked on every
  //                 attempt, so a refreshed token is used by the next attempt.
  // test/client.test.ts ("middleware order") checks this order.
  const factory = createClientFactory()
    .use(tokenClientMiddleware(options.token))
    .use(retryMiddleware)
    .use(deadlineMiddleware)
    .use(errorClientMiddleware({ address: addresses.join(", ") }));

  const defaults = defaultCallOptions(definition, options);
  const create = (callDefaults: Record<string, IsaCallOptions>, close: () => void): IsaClient<D> =>
    Object.assign(factory.create(definition, pool as never, callDefaults as never), {
      forToken: (token: string) => create(withToken(callDefaults, token), () => {}),
      close,
    }) as IsaClient<D>;
  return create(defaults, () => pool.close());
}

function withToken(
  defaults: Record<string, IsaCallOptions>,
  token: string,
): Record<string, IsaCallOptions> {
  return Object.fromEntries(Object.entries(defaults).map(([name, o]) => [name, { ...o, token }]));
}

function defaultCallOptions(
  definition: CompatServiceDefinition,
  options: ClientOptions,
): Record<string, IsaCallOptions> {
  const retry: RetryOptions =
    options.retry === false
      ? { retry: false }
      : {
          // The library counts retries after the first attempt; we count attempts.
          retryMaxAttempts: (options.retry?.maxAttempts ?? 5) - 1,
          retryBaseDelayMs: options.retry?.baseDelayMs ?? 200,
          retryMaxDelayMs: options.retry?.maxDelayMs ?? 5_000,
          // UNKNOWN and INTERNAL, retried by the library's default, mean a bug on our
          // servers: retrying only delays the error. CANCELLED comes from a server that
          // cancels calls while it shuts down (aborts on our side are AbortErrors).
          retryableStatuses: [Status.UNAVAILABLE, Status.CANCELLED],
        };
  const defaults: Record<string, IsaCallOptions> = { "*": retry };
  const deadline = options.defaultDeadlineMs ?? 30_000;
  for (const [name, method] of Object.entries(methodsOf(definition))) {
    if (!method.requestStream && !method.responseStream) defaults[name] = { ...retry, deadline };
  }
  return defaults;
}
