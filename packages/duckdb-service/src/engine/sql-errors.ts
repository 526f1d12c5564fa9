import { ServerError, Status } from "nice-grpc";

/**
 * Turns an error thrown by DuckDB into the status a caller can act on, keeping DuckDB's
 * own message ("Parser Error: syntax error at or near ..."). Only errors that come out of
 * DuckDB calls go through here, so a bug of ours is not dressed up as bad SQL.
 */
export function sqlError(err: unknown): unknown {
  if (!(err instanceof Error) || err instanceof ServerError) return err;
  const message = err.message;
  const kind = /^([A-Za-z ]+?) Error:/.exec(message)?.[1] ?? "";
  switch (kind) {
    case "Permission":
      return new ServerError(Status.PERMISSION_DENIED, message);
    case "Out of Memory":
      return new ServerError(Status.RESOURCE_EXHAUSTED, message);
    case "TransactionContext":
      // Write-write conflicts and failed commits: the caller may retry the transaction.
      if (/conflict|failed to commit/i.test(message)) {
        return new ServerError(Status.ABORTED, `${message} (retry the transaction)`);
      }
      return new ServerError(Status.INVALID_ARGUMENT, message);
    case "INTERNAL":
    case "FATAL":
      return err;
    default:
      if (message.includes("the configuration has been locked")) {
        return new ServerError(
          Status.PERMISSION_DENIED,
          `${message}: settings are fixed per database by the service`,
        );
      }
      return new ServerError(Status.INVALID_ARGUMENT, message);
  }
}
