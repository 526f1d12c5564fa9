import type { CallOptions, ClientMiddleware, ClientMiddlewareCall } from "nice-grpc";
import { type ErrorContext, toTypedError } from "../wire/errors.js";

/**
 * Client middleware that rethrows `ClientError`s as the typed errors of `errors.ts`
 * (abort errors and anything else pass untouched), for unary and streaming calls alike.
 */
export function errorClientMiddleware(context: ErrorContext = {}): ClientMiddleware {
  return async function* errorClientMiddleware<Request, Response>(
    call: ClientMiddlewareCall<Request, Response>,
    options: CallOptions,
  ) {
    try {
      return yield* call.next(call.request, options);
    } catch (err) {
      throw toTypedError(err, context);
    }
  };
}
