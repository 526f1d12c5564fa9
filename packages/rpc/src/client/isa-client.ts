import { credentials, Client as GrpcClient } from "@grpc/grpc-js";
import { ProxyTracerProvider, propagation, trace } from "@opentelemetry/api";
import type {
  CallOptions,
  ChannelOptions,
  Client,
  ClientMiddleware,
  ClientMiddlewareCall,
  CompatServiceDefinition,
} from "nice-grpc";
import { createClientFactory, Status } from "nice-grpc";
import { type DeadlineOptions, deadlineMiddleware } from "nice-grpc-client-middleware-deadline";
import { type RetryOptions, retryMiddleware } from "nice-grpc-client-middleware-retry";
import { openTelemetryClientMiddleware } from "nice-grpc-opentelemetry";
import { DEFAULT_MAX_MESSAGE_BYTES } from "../wire/limits.js";
import { type MethodShape, methodsOf, serviceNameOf } from "../wire/service-definition.js";
import { type BalanceStrategy, createChannelPool } from "./channel-pool.js";
import { errorClientMiddleware } from "./error-client-middleware.js";
import { createUnaryMetrics, metricsClientMiddleware } from "./metrics-client-middleware.js";
import { requestIdClientMiddleware } from "./request-id-client-middleware.js";
import { type ClientTlsOptions, channelCredentialsFor, clientTlsFromEnv } from "./tls.js";
import {
  type TokenCallOptions,
  type TokenProvider,
  tokenClientMiddleware,
} from "./token-client-middleware.js";
import { createUnaryCall, type UnaryCallContext, type UnaryMethod } from "./unary-call.js";

/** How retries back off; see `ClientOptions.retry` for which calls are retried at all. */
export interface RetrySettings {
  /**
   * Attempts in all, the first one included; `Infinity` retries until the call's deadline.
   * Default 5.
   * @example retry: { maxAttempts: 3 }
   */
  maxAttempts?: number;
  /**
   * Backoff before the first retry in ms, doubled before each further one (up to
   * `maxDelayMs`); each wait is a random 0.5x-1x of that ("equal jitter"). Default 200.
   * @example retry: { baseDelayMs: 50 }
   */
  baseDelayMs?: number;
  /**
   * Cap of the backoff in ms, before jitter. Default 5 000.
   * @example retry: { maxDelayMs: 1_000 }
   */
  maxDelayMs?: number;
}

/**
 * Options of `createIsaClient`. This JSDoc is the one reference for what each option does
 * and its default (the package README links here instead of repeating them).
 */
export interface ClientOptions {
  /**
   * Where the service listens: "host:port" (plaintext, or TLS when `tls` says so),
   * "http://host:port" (always plaintext), "https://host:port" (always TLS; port 443 when
   * left out), or a list of addresses: calls are spread over all of them, and a channel in
   * TRANSIENT_FAILURE is skipped while another one can take the call. Required.
   * @example address: ["10.0.0.5:50051", "10.0.0.6:50051"]
   */
  address: string | string[];
  /**
   * TLS of the connections. An object: TLS for every address but "http://" ones, trusting
   * `ca` (instead of the system's roots) and presenting `cert`/`key` (mTLS) when given;
   * `true`: TLS with the system's roots; `false`: plaintext unless an address says
   * "https://". Default: from the environment, so that one setting switches a whole
   * deployment: with `ISA_TLS_CA` set (a PEM file or PEM text), as an object with that
   * bundle (and `ISA_TLS_CLIENT_CERT`/`ISA_TLS_CLIENT_KEY` when set); otherwise `false`.
   * A plaintext call to a TLS port fails with ServiceUnavailableError naming TLS.
   * @example tls: { ca: readFileSync("/etc/isa/tls/ca.pem") }
   */
  tls?: boolean | ClientTlsOptions;
  /**
   * Prometheus metrics of every call (nice-grpc-prometheus: `grpc_client_started_total`,
   * `grpc_client_handled_total{grpc_service,grpc_method,grpc_code}`,
   * `grpc_client_handling_seconds`, ...), kept in that library's registry, which
   * `@isa-cloud/rpc-server`'s metrics endpoint serves. Default true.
   * @example metrics: false
   */
  metrics?: boolean;
  /**
   * An OpenTelemetry span per call (nice-grpc-opentelemetry), its context sent in
   * `traceparent` metadata. Costs next to nothing until an SDK is registered in the
   * process (see `startTracing` of `@isa-cloud/rpc-server`). Default true.
   * @example tracing: false
   */
  tracing?: boolean;
  /**
   * Bearer token, sent as `authorization: Bearer <token>`: a string, or a function asked
   * before every attempt (so a refreshed token is used by the next attempt). It is the
   * fallback: `authorization` metadata a call sets itself comes first, then the call's
   * `token` option (which `forToken(token)` presets). An empty token sends no header.
   * Default none.
   * @example token: () => tokens.current()
   */
  token?: TokenProvider;
  /**
   * Channels per address, each with its own TCP connection (the pool sets
   * `grpc.use_local_subchannel_pool`, else grpc-js would share one connection between
   * them). Helps when several server processes sit behind one address, or to keep small
   * calls from queueing behind a large stream on one HTTP/2 connection. A whole number of
   * at least 1. Default 1.
   * @example poolSize: 4
   */
  poolSize?: number;
  /**
   * How each call, and each retry attempt, picks a channel: "round-robin" takes them in
   * turn, "least-busy" the one with the fewest calls in flight (helps when call durations
   * vary a lot). Default "round-robin".
   * @example balance: "least-busy"
   */
  balance?: BalanceStrategy;
  /**
   * Deadline of every unary call in ms, covering all its attempts and backoff; past it the
   * call fails with DeadlineExceededError. Streams get none by default (a large transfer
   * may take long): pass `{ deadline }` or a `signal` per call. Per call, `{ deadline: 5_000 }`
   * or `{ deadline: new Date(...) }` replaces it and `{ deadline: undefined }` drops it.
   * Default 30 000.
   * @example defaultDeadlineMs: 10_000
   */
  defaultDeadlineMs?: number;
  /**
   * Retries of unary calls whose method the proto marks `idempotency_level =
   * NO_SIDE_EFFECTS` or `IDEMPOTENT`, after UNAVAILABLE or CANCELLED only (servers cancel
   * calls while they shut down; our own aborts are AbortErrors and never retried). UNKNOWN
   * and INTERNAL, which nice-grpc-client-middleware-retry would retry, mean a bug on our
   * servers, so they fail at once. Backoff: see `RetrySettings`; all attempts share the
   * call's deadline. Streams are never retried, not even with `{ retry: true }`; another
   * unary call is retried only when it passes `{ retry: true }`. A call may also pass
   * `{ retry: false }` or its own `retryMaxAttempts` (counted as the library does: retries
   * after the first attempt), `retryBaseDelayMs`, `retryMaxDelayMs`. `false` turns retries
   * off for every call (a call's `{ retry: true }` then gets the library's own defaults).
   * Default `{}`: the defaults of `RetrySettings`.
   * @example retry: { maxAttempts: 3, baseDelayMs: 100 }
   */
  retry?: RetrySettings | false;
  /**
   * Largest message sent or received, in bytes (grpc-js's `grpc.max_send_message_length`
   * and `grpc.max_receive_message_length`); a larger one fails the call with
   * ResourceExhaustedError. Default 8 MiB (`DEFAULT_MAX_MESSAGE_BYTES`, the servers' limit).
   * @example maxMessageBytes: 16 * 1024 * 1024
   */
  maxMessageBytes?: number;
  /**
   * grpc-js channel options for every channel, over ours: `grpc.keepalive_time_ms` 30 000
   * and `grpc.keepalive_timeout_ms` 10 000 (a dead connection is found in about 40 s;
   * pings only while calls are in flight) and the two message-size options from
   * `maxMessageBytes` (a value given here wins). `grpc.use_local_subchannel_pool` is always
   * 1, whatever is passed, so that each channel keeps its own connection. Default `{}`.
   * @example channelOptions: { "grpc.keepalive_time_ms": 10_000 }
   */
  channelOptions?: Record<string, unknown>;
}

/**
 * The per-call options of an IsaClient, next to nice-grpc's `signal` and `metadata`:
 * `deadline` (nice-grpc-client-middleware-deadline), `retry` and `retry*`
 * (nice-grpc-client-middleware-retry) and `token`; see `ClientOptions` for their defaults.
 */
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
  const tls = options.tls ?? clientTlsFromEnv() ?? false;
  const pool = createChannelPool({
    ...(tls === false ? {} : { credentials: channelCredentialsFor(tls) }),
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
  //   2. tracing  - one span per call, retries inside it, its context in `traceparent`;
  //   3. metrics  - one count and duration per call, with the final status code;
  //   4. deadline - one budget for the whole call, retries and backoff included, so a
  //                 deadline means "answer by then" however many attempts it takes;
  //   5. retry    - re-runs what is below it: the token and the call on a channel the
  //                 pool picks anew, so a retry may land on another connection or address;
  //   6. request id - the active request's `x-request-id`, on every attempt;
  //   7. token    - innermost: the call's own `token`, else the provider, asked on every
  //                 attempt, so a refreshed token is used by the next attempt.
  // Unary calls take a direct path that does the same in this order in one function
  // (`unary-call.ts`), unless tracing is on or the call asks for headers or trailers.
  // rpc-server's test/client.test.ts ("middleware order") checks this order on both paths.
  const inner = createClientFactory()
    .use(tokenClientMiddleware(options.token))
    .use(requestIdClientMiddleware)
    .use(retryMiddleware)
    .use(deadlineMiddleware);
  const measured = options.metrics === false ? inner : inner.use(metricsClientMiddleware());
  const traced =
    options.tracing === false
      ? measured
      : measured.use(whenTracing(openTelemetryClientMiddleware()));
  const plaintext = tls === false && !addresses.some((a) => a.startsWith("https://"));
  const errors = { address: addresses.join(", "), plaintext };
  const factory = traced.use(errorClientMiddleware(errors));
  const direct: UnaryCallContext = {
    // grpc-js's own client over the pool, as nice-grpc makes one (the credentials are the
    // pool's channels'; these are never used).
    grpc: new GrpcClient("", credentials.createInsecure(), { channelOverride: pool }),
    token: options.token,
    metrics: options.metrics === false ? undefined : createUnaryMetrics(),
    errors,
    traced: options.tracing === false ? () => false : () => !tracingIsOff(),
  };
  const unaryMethods = Object.entries(methodsOf(definition)).flatMap(([name, method]) =>
    method.requestStream || method.responseStream
      ? []
      : [[name, unaryMethodOf(definition, method)] as const],
  );

  const defaults = defaultCallOptions(definition, options);
  const client = factory.create(definition, pool as never, defaults as never) as Record<
    string,
    unknown
  >;
  for (const [name, method] of unaryMethods) {
    const chain = client[name] as Parameters<typeof createUnaryCall>[3];
    client[name] = createUnaryCall(direct, method, { ...defaults["*"], ...defaults[name] }, chain);
  }
  const methodNames = Object.keys(methodsOf(definition));
  return Object.assign(client, {
    forToken: (token: string) => tokenView(client, methodNames, token),
    close: () => pool.close(),
  }) as unknown as IsaClient<D>;
}

type AnyMethod = (request: unknown, options?: IsaCallOptions) => unknown;

/**
 * `client`'s methods with `token` as the default of the per-call `token` option (a call's
 * own still wins): a view is one closure per method, not a second client, so a server may
 * make one per request.
 */
function tokenView<D extends CompatServiceDefinition>(
  client: Record<string, unknown>,
  methodNames: readonly string[],
  token: string,
): IsaClient<D> {
  const view: Record<string, unknown> = {
    forToken: (other: string) => tokenView(client, methodNames, other),
    close: () => {},
  };
  for (const name of methodNames) {
    const method = client[name] as AnyMethod;
    view[name] = (request: unknown, options?: IsaCallOptions) =>
      method(request, options === undefined ? { token } : { token, ...options });
  }
  return view as unknown as IsaClient<D>;
}

/**
 * A unary method of a ts-proto or grpc-js definition as grpc-js calls it, serialized as
 * nice-grpc does (ts-proto requests through `fromPartial`, so partial requests work).
 */
function unaryMethodOf(definition: CompatServiceDefinition, method: MethodShape): UnaryMethod {
  const m = method as MethodShape & {
    name?: string;
    options?: { idempotencyLevel?: string };
    requestType?: MessageType;
    responseType?: MessageType;
    requestSerialize?: (value: unknown) => Buffer;
    responseDeserialize?: (bytes: Buffer) => unknown;
  };
  const level = m.options?.idempotencyLevel;
  const idempotent = level === "IDEMPOTENT" || level === "NO_SIDE_EFFECTS";
  if (m.requestType && m.responseType) {
    const { encode, fromPartial } = m.requestType;
    return {
      path: `/${serviceNameOf(definition)}/${m.name}`,
      serialize: fromPartial
        ? (value) => asBuffer(encode(fromPartial(value)).finish())
        : (value) => asBuffer(encode(value).finish()),
      deserialize: m.responseType.decode,
      idempotent,
    };
  }
  return {
    path: m.path,
    serialize: m.requestSerialize!,
    deserialize: m.responseDeserialize!,
    idempotent,
  };
}

/**
 * grpc-js wants a Buffer; this one shares the encoder's fresh bytes instead of copying them
 * (nice-grpc's `Buffer.from(bytes)` copies).
 */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The part of a ts-proto message type that (de)serializing needs. */
interface MessageType {
  encode(value: unknown): { finish(): Uint8Array };
  decode(bytes: Uint8Array): unknown;
  fromPartial?: (value: unknown) => unknown;
}

// The tracer provider of a process with no OpenTelemetry SDK registered.
const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate();

/**
 * True while no SDK is registered (the global provider is still the API's proxy with no
 * delegate) and no propagator either: then nice-grpc-opentelemetry's span would be a
 * non-recording one that injects nothing, so the call can skip it. Checked per call, as
 * an SDK may be started after the client is made.
 */
function tracingIsOff(): boolean {
  const provider = trace.getTracerProvider();
  return (
    provider instanceof ProxyTracerProvider &&
    provider.getDelegate() === NOOP_TRACER_PROVIDER &&
    propagation.fields().length === 0
  );
}

/** `middleware`, skipped (the call handed straight on) while tracing is off. */
function whenTracing(middleware: ClientMiddleware): ClientMiddleware {
  return function tracingClientMiddleware<Request, Response>(
    call: ClientMiddlewareCall<Request, Response>,
    options: CallOptions,
  ) {
    return tracingIsOff() ? call.next(call.request, options) : middleware(call, options);
  };
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
