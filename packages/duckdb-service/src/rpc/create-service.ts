import { ClientError, ServerError, Status } from "nice-grpc";
import { databaseMethods } from "./databases.js";
import { extensionMethods } from "./extensions.js";
import { monitoringMethods } from "./monitoring.js";
import { queryMethods } from "./queries.js";
import { queryStreamMethods } from "./query-streams.js";
import type { Impl, ServiceContext } from "./service-context.js";
import { tableMethods } from "./tables.js";
import { transferMethods } from "./transfer.js";
import { viewMethods } from "./views.js";

/** Every method of isa.duckdb.DuckDBService. */
export function createServiceImpl(ctx: ServiceContext): Impl {
  const impl: Impl = {
    ...databaseMethods(ctx),
    ...queryMethods(ctx),
    ...queryStreamMethods(ctx),
    ...tableMethods(ctx),
    ...viewMethods(ctx),
    ...transferMethods(ctx),
    ...extensionMethods(ctx),
    ...monitoringMethods(ctx),
  };
  // biome-ignore lint/suspicious/noExplicitAny: every method is wrapped the same way
  const wrapped: Record<string, any> = {};
  for (const [name, method] of Object.entries(impl)) {
    wrapped[name] =
      method.constructor.name === "AsyncGeneratorFunction"
        ? async function* (request: unknown, context: unknown) {
            try {
              return yield* method(request, context);
            } catch (err) {
              throw withoutServerPaths(storageUnavailable(err), ctx.cacheDirs);
            }
          }
        : async (request: unknown, context: unknown) => {
            try {
              return await method(request, context);
            } catch (err) {
              throw withoutServerPaths(storageUnavailable(err), ctx.cacheDirs);
            }
          };
  }
  return wrapped as Impl;
}

/**
 * DuckDB's messages name the files it read by absolute path (a staged import, the
 * database file), and quote the SQL the service built around them: the local cache's
 * location is replaced, so no server path reaches a caller.
 */
function withoutServerPaths(err: unknown, cacheDirs: readonly string[]): unknown {
  if (!(err instanceof ServerError)) return err;
  let details = err.details;
  for (const dir of cacheDirs) details = details.replaceAll(dir, "<cache>");
  return details === err.details ? err : new ServerError(err.code, details);
}

/**
 * The storage service keeps every database file: when it cannot be reached the call is
 * UNAVAILABLE (retry later), not an internal error. Other storage failures stay unexpected.
 */
function storageUnavailable(err: unknown): unknown {
  if (
    err instanceof ClientError &&
    (err.code === Status.UNAVAILABLE || err.code === Status.DEADLINE_EXCEEDED)
  ) {
    return new ServerError(
      Status.UNAVAILABLE,
      `the storage service is unavailable: ${err.details}`,
    );
  }
  return err;
}
