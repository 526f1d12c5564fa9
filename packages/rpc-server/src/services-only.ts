import type { CallContext, ServerMiddleware, ServerMiddlewareCall } from "nice-grpc";
import { isInfrastructureCall } from "./access-log-middleware.js";

/**
 * `middleware` for calls of our services only: grpc.health.v1 probes and reflection pass
 * by it (a probe every few seconds would be a span, and a trace, each).
 */
export function servicesOnly(middleware: ServerMiddleware): ServerMiddleware {
  return function servicesOnlyMiddleware<Request, Response>(
    call: ServerMiddlewareCall<Request, Response>,
    context: CallContext,
  ) {
    if (isInfrastructureCall(call.method.path)) return call.next(call.request, context);
    return middleware(call, context);
  };
}

/** A middleware that does nothing: what an option turned off leaves in the chain. */
export const passThrough: ServerMiddleware = function passThrough<Request, Response>(
  call: ServerMiddlewareCall<Request, Response>,
  context: CallContext,
) {
  return call.next(call.request, context);
};
