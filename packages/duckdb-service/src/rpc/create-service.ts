import type { DuckDBServiceImplementation } from "@isa-cloud/proto";
import { ClientError, ServerError, Status } from "nice-grpc";
import { databaseMethods } from "./rpc-databases.js";
import { engineMethods } from "./rpc-engine.js";
import { queryMethods } from "./rpc-queries.js";
import { tableMethods } from "./rpc-tables.js";
import { transferMethods } from "./rpc-transfer.js";
import type { Context, ServiceContext } from "./service-context.js";

type Impl = DuckDBServiceImplementation<{ identity: Context["identity"] }>;

/** Every method of isa.duckdb.DuckDBService. */
export function createServiceImpl(ctx: ServiceContext): Impl {
  const impl: Impl = {
    ...databaseMethods(ctx),
    ...queryMethods(ctx),
    ...tableMethods(ctx),
    ...transferMethods(ctx),
    ...engineMethods(ctx),
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
              throw storageUnavailable(err);
            }
          }
        : async (request: unknown, context: unknown) => {
            try {
              return await method(request, context);
            } catch (err) {
              throw storageUnavailable(err);
            }
          };
  }
  return wrapped as Impl;
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
