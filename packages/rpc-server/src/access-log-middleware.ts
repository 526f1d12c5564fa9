import {
  activeRequestId,
  isRequestId,
  newRequestId,
  REQUEST_ID_HEADER,
  withRequestId,
} from "@isa-cloud/rpc/wire";
import {
  type Context,
  isSpanContextValid,
  context as otelContext,
  trace,
} from "@opentelemetry/api";
import { isAbortError } from "abort-controller-x";
import type { CallContext, ServerMiddleware, ServerMiddlewareCall } from "nice-grpc";
import { ServerError, Status } from "nice-grpc";
import type { Logger } from "pino";
import { CALL_RECORD, type CallRecord, type CallRecordContext } from "./call-record.js";

/** Probes and tooling: answered, counted in metrics, but not one log line each. */
const QUIET_PREFIXES = ["/grpc.health.v1.", "/grpc.reflection."];

/** Whether a call is a health probe or reflection (no access-log line, no span). */
export function isInfrastructureCall(path: string): boolean {
  return QUIET_PREFIXES.some((prefix) => path.startsWith(prefix));
}

/**
 * Gives every call a request id: the caller's `x-request-id` when it is a sane one (see
 * `isRequestId`), else a new UUID. The id is returned in the response header
 * `x-request-id`, is the active request id while the call runs (so calls the handler
 * makes pass it on), and is written on the call's access-log line. With `logger`, one
 * line per call when it ends: `method`, `code`, `ms`, `user` (and `org`), the `database`
 * or `bucket` named, `requestId`, `traceId` (when tracing), `peer`, and for streams the
 * messages and binary payload bytes each way. Health probes and reflection get no line.
 */
export function accessLogServerMiddleware(
  logger: Logger | undefined,
): ServerMiddleware<CallRecordContext> {
  return async function* accessLogServerMiddleware<Request, Response>(
    call: ServerMiddlewareCall<Request, Response, CallRecordContext>,
    context: CallContext,
  ) {
    const offered = context.metadata.get(REQUEST_ID_HEADER);
    const requestId = isRequestId(offered) ? offered : (activeRequestId() ?? newRequestId());
    context.header.set(REQUEST_ID_HEADER, requestId);
    const active = otelContext.active();
    const scope = withRequestId(requestId, () => otelContext.active());
    if (!logger || isInfrastructureCall(call.method.path)) {
      return yield* typed<Response>(
        bound(scope, call.next(call.request as never, context) as Steps),
      );
    }

    const started = performance.now();
    const record: CallRecord = {};
    const flow = { messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0 };
    const request = call.requestStream
      ? counted(call.request as AsyncIterable<unknown>, flow, "In")
      : call.request;
    let code = Status.OK;
    try {
      const inner = call.next(request as never, { ...context, [CALL_RECORD]: record }) as Steps;
      if (!call.responseStream) return yield* typed<Response>(bound(scope, inner));
      return yield* typed<Response>(bound(scope, countedOut(inner, flow)));
    } catch (err) {
      code =
        err instanceof ServerError
          ? err.code
          : isAbortError(err)
            ? Status.CANCELLED
            : Status.INTERNAL;
      throw err;
    } finally {
      const span = trace.getSpanContext(active);
      logger.info(
        {
          method: call.method.path,
          code: Status[code],
          ms: Math.round((performance.now() - started) * 100) / 100,
          ...record,
          requestId,
          ...(span && isSpanContextValid(span) ? { traceId: span.traceId } : {}),
          peer: context.peer,
          ...(call.requestStream ? { messagesIn: flow.messagesIn, bytesIn: flow.bytesIn } : {}),
          ...(call.responseStream
            ? { messagesOut: flow.messagesOut, bytesOut: flow.bytesOut }
            : {}),
        },
        "grpc call",
      );
    }
  };
}

/** A call's steps, whatever its shape (unary, or a stream of responses). */
type Steps = AsyncGenerator<unknown, unknown, undefined>;

const typed = <Response>(steps: Steps) =>
  steps as AsyncGenerator<Response, Response | undefined, undefined>;

type Flow = { messagesIn: number; messagesOut: number; bytesIn: number; bytesOut: number };

/**
 * The binary payload of a message: its top-level bytes fields and those of a oneof
 * (`{ $case, value }`), which is where object data and file chunks travel. Other fields'
 * encoded size is not known here and not counted.
 */
function payloadBytes(message: unknown): number {
  if (message === null || typeof message !== "object") return 0;
  let bytes = 0;
  for (const value of Object.values(message)) {
    if (value instanceof Uint8Array) bytes += value.byteLength;
    else if (value !== null && typeof value === "object" && "$case" in value) {
      const inner = (value as { value?: unknown }).value;
      if (inner instanceof Uint8Array) bytes += inner.byteLength;
    }
  }
  return bytes;
}

async function* counted<T>(source: AsyncIterable<T>, flow: Flow, way: "In"): AsyncGenerator<T> {
  for await (const message of source) {
    flow[`messages${way}`]++;
    flow[`bytes${way}`] += payloadBytes(message);
    yield message;
  }
}

async function* countedOut(source: Steps, flow: Flow): Steps {
  let step = await source.next();
  while (!step.done) {
    flow.messagesOut++;
    flow.bytesOut += payloadBytes(step.value);
    yield step.value;
    step = await source.next();
  }
  return step.value;
}

/**
 * `generator` with every step run inside `scope`, so that the handler's awaits (with a
 * context manager registered) see the call's request id and span.
 */
function bound(scope: Context, generator: Steps): Steps {
  const steps: Steps = {
    next: () => otelContext.with(scope, () => generator.next()),
    return: (value) => otelContext.with(scope, () => generator.return(value)),
    throw: (err) => otelContext.with(scope, () => generator.throw(err)),
    [Symbol.asyncIterator]: () => steps,
  } as Steps;
  return steps;
}
