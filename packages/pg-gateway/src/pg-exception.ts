import type { PgError } from "./protocol/backend.js";

/** A statement error carried to the message loop, which answers it with an ErrorResponse. */
export class PgException extends Error {
  constructor(readonly pg: PgError) {
    super(pg.message);
  }
}

/** A named statement, portal or cursor the client refers to but never made (or closed). */
export function missing(what: "prepared statement" | "portal" | "cursor", name: string) {
  const code = what === "prepared statement" ? "26000" : "34000";
  return new PgException({ severity: "ERROR", code, message: `${what} "${name}" does not exist` });
}
