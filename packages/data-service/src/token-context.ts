import { AsyncLocalStorage } from "node:async_hooks";

/**
 * The bearer token of the request being served. The gRPC clients are built once per
 * process (one pool of connections, as the guide's dependency injection wants), yet
 * every call must carry the token of the user it is made for, so the clients' token
 * provider reads it from here. AsyncLocalStorage follows the call through awaits,
 * timers and retries, and two requests in flight at once never see each other's token.
 */
const current = new AsyncLocalStorage<string>();

/** Runs `fn` so that every service call it makes carries `token`. */
export function runWithToken<T>(token: string, fn: () => T): T {
  return current.run(token, fn);
}

/** The token of the surrounding `runWithToken`, if any. */
export function currentToken(): string | undefined {
  return current.getStore();
}
