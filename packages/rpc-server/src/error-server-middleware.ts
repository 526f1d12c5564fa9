import { randomUUID } from "node:crypto";
import { isAbortError } from "abort-controller-x";
import type { CallContext, ServerMiddleware, ServerMiddlewareCall } from "nice-grpc";
import { ServerError, Status } from "nice-grpc";
import type { Logger } from "pino";
import { createLogger } from "./logger.js";

/**
 * Server middleware that lets `ServerError`s and aborts through and turns anything else
 * into INTERNAL "internal error (see server log, id <id>)". The stack goes to the log
 * line with that id, never to the client.
 */
export function createErrorServerMiddleware(logger: Logger): ServerMiddleware {
  return errorMiddleware(() => logger);
}

function errorMiddleware(getLogger: () => Logger): ServerMiddleware {
  return async function* errorServerMiddleware<Request, Response>(
    call: ServerMiddlewareCall<Request, Response>,
    context: CallContext,
  ) {
    try {
      return yield* call.next(call.request as never, context);
    } catch (err) {
      if (err instanceof ServerError || isAbortError(err)) throw err;
      const id = randomUUID();
      getLogger().error(
        { err, errorId: id, method: call.method.path, peer: context.peer },
        "unexpected error",
      );
      throw new ServerError(Status.INTERNAL, `internal error (see server log, id ${id})`);
    }
  };
}

let defaultLogger: Logger | undefined;

/**
 * `createErrorServerMiddleware` with a logger named "isa-rpc". The logger is made on the
 * first error, not at import: the package declares `sideEffects: false`.
 */
export const errorServerMiddleware: ServerMiddleware = errorMiddleware(() => {
  defaultLogger ??= createLogger("isa-rpc");
  return defaultLogger;
});
