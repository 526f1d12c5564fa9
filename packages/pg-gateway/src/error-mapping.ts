import { IsaError } from "@isa-cloud/rpc/wire";
import { Status } from "nice-grpc-common";
import { ParameterFormatError } from "./parameters.js";
import type { PgError } from "./protocol/backend.js";

/**
 * SQLSTATE for DuckDB's error classes, which the service passes on in the message
 * ("Parser Error: ...", sometimes after its own "Failed to extract statements: ") under
 * INVALID_ARGUMENT. Checked in order; the first
 * match wins.
 * @see https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
const DUCKDB_MESSAGES: ReadonlyArray<[RegExp, string]> = [
  [/(^|: )Parser Error/, "42601"],
  [/(^|: )Catalog Error: Table (with name|.*does not exist)/, "42P01"],
  [/(^|: )Catalog Error: .*Function/i, "42883"],
  [/(^|: )Catalog Error: .*already exists/, "42P07"],
  [/(^|: )Catalog Error/, "42704"],
  [/(^|: )Binder Error: (Referenced column|.*column .* not found)/, "42703"],
  [/(^|: )Binder Error: No function matches/, "42883"],
  [/(^|: )Binder Error/, "42804"],
  [/(^|: )Conversion Error/, "22P02"],
  [/(^|: )Out of Range Error/, "22003"],
  [/[Dd]ivision by zero/, "22012"],
  [/(^|: )Constraint Error: Duplicate key/, "23505"],
  [/(^|: )Constraint Error: NOT NULL/, "23502"],
  [/(^|: )Constraint Error/, "23000"],
  [/(^|: )Invalid Input Error/, "22023"],
];

const BY_STATUS: Partial<Record<Status, string>> = {
  [Status.PERMISSION_DENIED]: "42501",
  [Status.UNAUTHENTICATED]: "28000",
  [Status.RESOURCE_EXHAUSTED]: "53400",
  [Status.DEADLINE_EXCEEDED]: "57014",
  [Status.CANCELLED]: "57014",
  [Status.ABORTED]: "40001",
  [Status.ALREADY_EXISTS]: "42710",
  [Status.FAILED_PRECONDITION]: "55000",
  [Status.UNAVAILABLE]: "08006",
  [Status.NOT_FOUND]: "42P01",
};

/** Whether `err` is nice-grpc's AbortError: our own cancel (CancelRequest or a disconnect). */
export function isAbortError(err: unknown): boolean {
  return err instanceof Error && err.name === "AbortError";
}

/** The ErrorResponse for anything a statement can fail with. */
export function toPgError(err: unknown): PgError {
  if (isAbortError(err)) {
    return { severity: "ERROR", code: "57014", message: "canceling statement due to user request" };
  }
  if (err instanceof ParameterFormatError) {
    return { severity: "ERROR", code: err.sqlState, message: err.message };
  }
  if (err instanceof IsaError) {
    const message = err.details;
    if (err.code === Status.INVALID_ARGUMENT) {
      const code = DUCKDB_MESSAGES.find(([re]) => re.test(message))?.[1] ?? "42000";
      return { severity: "ERROR", code, message };
    }
    if (err.code === Status.RESOURCE_EXHAUSTED && /out of memory/i.test(message)) {
      return { severity: "ERROR", code: "53200", message };
    }
    if (err.code === Status.UNAUTHENTICATED) {
      return { severity: "ERROR", code: "28000", message, hint: TOKEN_HINT };
    }
    return { severity: "ERROR", code: BY_STATUS[err.code] ?? "XX000", message };
  }
  return { severity: "ERROR", code: "XX000", message: (err as Error)?.message ?? String(err) };
}

/** What every authentication failure tells the user to do. */
export const TOKEN_HINT =
  "the password is an isA token: PGPASSWORD=$(isa token --user <user>), and the user name must be the token's subject";
