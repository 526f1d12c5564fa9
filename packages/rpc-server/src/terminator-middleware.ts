import type { CallContext, ServerMiddleware, ServerMiddlewareCall } from "nice-grpc";

/** What a call may do to be ended at shutdown instead of holding it up. */
export interface TerminatorContext {
  /** Marks the call (an endless stream such as health Watch) to be aborted on `terminate()`. */
  abortOnTerminate(): void;
}

/**
 * Graceful shutdown waits for every call, so endless streams (grpc.health.v1 Watch) must
 * be ended first: they call `context.abortOnTerminate()` (nice-grpc-server-health does),
 * and `terminate()` aborts them. The same idea as nice-grpc-server-middleware-terminator,
 * in a few lines rather than one more dependency.
 */
export function createTerminator(): {
  middleware: ServerMiddleware<TerminatorContext>;
  terminate(): void;
} {
  const registered = new Set<AbortController>();
  let terminated = false;

  async function* terminatorMiddleware<Request, Response>(
    call: ServerMiddlewareCall<Request, Response, TerminatorContext>,
    context: CallContext,
  ) {
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    context.signal.addEventListener("abort", onAbort);
    try {
      return yield* call.next(call.request as never, {
        ...context,
        signal: controller.signal,
        abortOnTerminate() {
          if (terminated) controller.abort();
          else registered.add(controller);
        },
      });
    } finally {
      registered.delete(controller);
      context.signal.removeEventListener("abort", onAbort);
    }
  }

  return {
    middleware: terminatorMiddleware,
    terminate() {
      terminated = true;
      for (const controller of registered) controller.abort();
      registered.clear();
    },
  };
}
