import {
  type Client as GrpcClient,
  Metadata as GrpcMetadata,
  type ServiceError,
} from "@grpc/grpc-js";
import { AbortError, delay, isAbortError } from "abort-controller-x";
import type { CallOptions, Metadata } from "nice-grpc";
import { ClientError, Status } from "nice-grpc";
import type { DeadlineOptions } from "nice-grpc-client-middleware-deadline";
import type { RetryOptions } from "nice-grpc-client-middleware-retry";
import { type ErrorContext, toTypedError } from "../wire/errors.js";
import { activeRequestId, REQUEST_ID_HEADER } from "../wire/request-id.js";
import { type MethodMetrics, statusOf, type UnaryMetrics } from "./metrics-client-middleware.js";
import type { TokenCallOptions, TokenProvider } from "./token-client-middleware.js";

type Options = CallOptions & DeadlineOptions & RetryOptions & TokenCallOptions;
type Unary = (request: unknown, options?: Options) => Promise<unknown>;

/** One unary method as grpc-js calls it: its path, (de)serializers and idempotency. */
export interface UnaryMethod {
  path: string;
  serialize(value: unknown): Buffer;
  deserialize(bytes: Buffer): unknown;
  idempotent: boolean;
}

/** What every unary method of one client shares. */
export interface UnaryCallContext {
  /** A grpc-js client over the channel pool (`channelOverride`). */
  grpc: GrpcClient;
  /** The client's token provider, the fallback after metadata and the `token` option. */
  token: TokenProvider | undefined;
  /** Undefined with `metrics: false`. */
  metrics: UnaryMetrics | undefined;
  errors: ErrorContext;
  /** True while a call must go through the middleware chain (an OpenTelemetry SDK is on). */
  traced(): boolean;
}

const NO_DEADLINE = {};

// The retry middleware's defaults, for a call that turns retries on with `retry: true`
// while the client's are off (`retry: false` on the client leaves these unset).
const LIBRARY_RETRY = {
  retryBaseDelayMs: 1000,
  retryMaxDelayMs: 30_000,
  retryMaxAttempts: 1,
  retryableStatuses: [Status.UNKNOWN, Status.INTERNAL, Status.UNAVAILABLE, Status.CANCELLED],
};

/**
 * A unary method that does in one async function what the client's middleware chain does
 * (errors, metrics, deadline, retry, request id, token; see `createIsaClient`), with the
 * same options, defaults, errors and metrics, on the same channel pool. Why: each of the
 * six middleware layers is an async generator with promises of its own, the deadline
 * middleware adds an AbortController and a timer, and nice-grpc another AbortController and
 * a metadata copy: about 0.04 ms of CPU per small call, an eighth of the client's (package
 * README, "What a unary call costs"). Here the deadline is grpc-js's own `deadline` call option (one timer in grpc-js,
 * and the server learns it from `grpc-timeout`), retry bookkeeping runs only once an
 * attempt failed, and the metadata is made once per token.
 *
 * `chain` (nice-grpc's method with the middleware) still takes calls that ask for what
 * this path leaves out: `onHeader`/`onTrailer`, and every call while tracing is on.
 */
export function createUnaryCall(
  ctx: UnaryCallContext,
  method: UnaryMethod,
  defaults: Options,
  chain: Unary,
): Unary {
  const { path } = method;
  const fixedToken = typeof ctx.token === "string" ? ctx.token : undefined;
  const headers = new TokenHeaders();

  // Metadata of one attempt: the call's own, the token (unless the call sets
  // `authorization`) and the active request id (unless the call sets one).
  const metadataOf = (options: Options): GrpcMetadata | Promise<GrpcMetadata> => {
    const own = options.metadata;
    if (own?.has("authorization")) return withRequestId(toGrpcMetadata(own), own);
    const token = options.token ?? fixedToken;
    if (token != null || typeof ctx.token !== "function") {
      return withToken(headers.of(token), own);
    }
    const provided = ctx.token();
    return typeof provided === "string"
      ? withToken(headers.of(provided), own)
      : provided.then((t) => withToken(headers.of(t), own));
  };

  // One call on grpc-js; with a signal, aborting it cancels the call with an AbortError,
  // as nice-grpc's own unary method does.
  const attempt = (
    request: unknown,
    metadata: GrpcMetadata,
    deadline: number | undefined,
    signal: AbortSignal | undefined,
  ) =>
    new Promise<unknown>((resolve, reject) => {
      let onAbort: (() => void) | undefined;
      const call = ctx.grpc.makeUnaryRequest(
        path,
        method.serialize,
        method.deserialize,
        request,
        metadata,
        deadline === undefined ? NO_DEADLINE : { deadline },
        (err: ServiceError | null, response: unknown) => {
          if (onAbort) signal?.removeEventListener("abort", onAbort);
          if (err == null) resolve(response);
          else if (signal?.aborted) reject(new AbortError());
          else reject(new ClientError(path, err.code, err.details));
        },
      );
      if (signal) {
        onAbort = () => call.cancel();
        signal.addEventListener("abort", onAbort);
      }
    });

  const attempts = async (request: unknown, options: Options): Promise<unknown> => {
    const { signal } = options;
    if (signal?.aborted) throw new AbortError();
    const deadline =
      options.deadline == null
        ? undefined
        : options.deadline instanceof Date
          ? options.deadline.getTime()
          : Date.now() + options.deadline;
    for (let retries = 0; ; retries++) {
      try {
        let metadata = metadataOf(options);
        if (metadata instanceof Promise) {
          metadata = await metadata;
          if (signal?.aborted) throw new AbortError();
        }
        return await attempt(request, metadata, deadline, signal);
      } catch (error) {
        const wait = retryDelay(method, options, retries, error);
        if (wait === undefined) throw error;
        // The deadline covers the backoff too: a wait that reaches it ends the call there.
        const left = deadline === undefined ? wait : deadline - Date.now();
        await delay(signal ?? new AbortController().signal, Math.max(0, Math.min(wait, left)));
        if (deadline !== undefined && Date.now() >= deadline) {
          throw new ClientError(path, Status.DEADLINE_EXCEEDED, "Deadline exceeded");
        }
      }
    }
  };

  let metrics: MethodMetrics | undefined; // made on the first call, as the middleware does
  const measured = async (request: unknown, options: Options): Promise<unknown> => {
    if (ctx.metrics) metrics ??= ctx.metrics(path);
    const start = metrics?.start();
    try {
      const response = await attempts(request, options);
      if (start !== undefined) metrics?.finish(Status.OK, start);
      return response;
    } catch (err) {
      if (start !== undefined) metrics?.finish(statusOf(err), start);
      throw toTypedError(err, ctx.errors);
    }
  };

  return function unaryCall(request, options) {
    const merged = options === undefined ? defaults : { ...defaults, ...options };
    if (merged.onHeader || merged.onTrailer || ctx.traced()) return chain(request, options);
    return measured(request, merged);
  };
}

/**
 * The backoff before the next attempt after `error`, in ms, or undefined when the call must
 * not be retried: the rules of nice-grpc-client-middleware-retry (abort errors never, only
 * ClientErrors with a retryable status, `retryMaxAttempts` retries after the first attempt,
 * exponential backoff with equal jitter), read from the options only once an attempt failed.
 */
function retryDelay(
  method: UnaryMethod,
  options: Options,
  retries: number,
  error: unknown,
): number | undefined {
  if (isAbortError(error) || !(error instanceof ClientError)) return undefined;
  if (!(options.retry ?? method.idempotent)) return undefined;
  const maxRetries = options.retryMaxAttempts ?? LIBRARY_RETRY.retryMaxAttempts;
  const statuses = options.retryableStatuses ?? LIBRARY_RETRY.retryableStatuses;
  if (retries >= maxRetries || !statuses.includes(error.code)) return undefined;
  // https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
  const backoff = Math.min(
    options.retryMaxDelayMs ?? LIBRARY_RETRY.retryMaxDelayMs,
    2 ** retries * (options.retryBaseDelayMs ?? LIBRARY_RETRY.retryBaseDelayMs),
  );
  const delayMs = Math.round((backoff * (1 + Math.random())) / 2);
  options.onRetryableError?.(error, retries, delayMs);
  return delayMs;
}

/**
 * grpc-js metadata with `authorization: Bearer <token>`, made once per token: grpc-js
 * copies a call's metadata when the call starts, so one object serves every call. Keeps the
 * last two tokens (a client's own and one caller's, say); an empty token sends no header.
 */
class TokenHeaders {
  #none = new GrpcMetadata();
  #tokens: (string | undefined)[] = [undefined, undefined];
  #metadata: GrpcMetadata[] = [];
  #next = 0;

  of(token: string | undefined): GrpcMetadata {
    if (!token) return this.#none;
    const i = this.#tokens.indexOf(token);
    if (i >= 0) return this.#metadata[i]!;
    const metadata = new GrpcMetadata();
    metadata.set("authorization", `Bearer ${token}`);
    this.#tokens[this.#next] = token;
    this.#metadata[this.#next] = metadata;
    this.#next = 1 - this.#next;
    return metadata;
  }
}

/** `base` (shared, not to be changed) plus the call's own metadata and the request id. */
function withToken(base: GrpcMetadata, own: Metadata | undefined): GrpcMetadata {
  if (own === undefined) {
    const id = activeRequestId();
    if (id === undefined) return base;
    const metadata = base.clone();
    metadata.set(REQUEST_ID_HEADER, id);
    return metadata;
  }
  const metadata = toGrpcMetadata(own);
  metadata.merge(base);
  return withRequestId(metadata, own);
}

function withRequestId(metadata: GrpcMetadata, own: Metadata): GrpcMetadata {
  const id = own.has(REQUEST_ID_HEADER) ? undefined : activeRequestId();
  if (id !== undefined) metadata.set(REQUEST_ID_HEADER, id);
  return metadata;
}

/** nice-grpc metadata as grpc-js metadata, as nice-grpc converts it for its own calls. */
function toGrpcMetadata(metadata: Metadata): GrpcMetadata {
  const out = new GrpcMetadata();
  for (const [key, values] of metadata) {
    for (const value of values)
      out.add(key, typeof value === "string" ? value : Buffer.from(value));
  }
  return out;
}
