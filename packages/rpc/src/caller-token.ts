import { AsyncLocalStorage } from "node:async_hooks";

/**
 * The bearer token of the caller a piece of work is done for. gRPC clients are built once
 * per process (one pool of connections), yet each call must carry the token of the user it
 * is made for; a client's token provider reads it from here, e.g.
 * `token: () => callerToken() ?? ""`. AsyncLocalStorage follows the work through awaits,
 * timers and the clients' retries, and concurrent requests never see each other's token.
 */
const scope = new AsyncLocalStorage<string>();

/** Runs `fn` so that everything it starts, synchronously or not, sees `token` as the caller's. */
export function runWithCallerToken<T>(token: string, fn: () => T): T {
  return scope.run(token, fn);
}

/** The token of the innermost surrounding `runWithCallerToken`; undefined outside any. */
export function callerToken(): string | undefined {
  return scope.getStore();
}
