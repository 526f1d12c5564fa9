import type { CallOptions, ClientMiddleware, ClientMiddlewareCall } from "nice-grpc";
import { Metadata } from "nice-grpc";
import { activeRequestId, REQUEST_ID_HEADER } from "../wire/request-id.js";

/**
 * Client middleware that sends the active request id (`withRequestId`) as `x-request-id`
 * metadata, so the server's access log and spans name the request that caused the call.
 * A call that sets `x-request-id` itself keeps it; outside a request it adds nothing, and
 * costs nothing (a plain function handing on `call.next(...)`, no generator of its own).
 */
export const requestIdClientMiddleware: ClientMiddleware = function requestIdClientMiddleware<
  Request,
  Response,
>(call: ClientMiddlewareCall<Request, Response>, options: CallOptions) {
  const id = activeRequestId();
  if (id === undefined || options.metadata?.has(REQUEST_ID_HEADER)) {
    return call.next(call.request, options);
  }
  const metadata = Metadata(options.metadata).set(REQUEST_ID_HEADER, id);
  return call.next(call.request, { ...options, metadata });
};
