import type { DuckdbClient } from "@isa-cloud/duckdb-client";
import type { Identity } from "@isa-cloud/rpc/wire";
import { IsaError } from "@isa-cloud/rpc/wire";
import { Status } from "nice-grpc-common";
import { BackendError } from "pg-gateway";
import { TOKEN_HINT, toPgError } from "./error-mapping.js";

export interface Caller {
  identity: Identity;
  /** duckdb-client acting for this caller. */
  client: DuckdbClient;
}

/**
 * Start-up authentication. The password is the caller's isA token, verified as the gRPC
 * services verify it (same verifier, same settings); the Postgres user name must be the
 * token's subject, so that a connection string says who it is; the database must be one
 * the caller reaches (their own `name`, or `org/<name>` of their organization), which
 * the service decides. Failures are FATAL ErrorResponses thrown as pg-gateway's
 * BackendError, which it sends before closing.
 */
export async function authenticate(
  user: string,
  token: string,
  database: string,
  deps: { verify: (token: string) => Promise<Identity>; client: DuckdbClient },
): Promise<Caller> {
  let identity: Identity;
  try {
    identity = await deps.verify(token);
  } catch (err) {
    const reason = (err as { details?: string }).details ?? (err as Error).message;
    throw authFailed(user, reason);
  }
  if (identity.system) {
    throw authFailed(user, "a service (isa_system) token cannot open a Postgres session");
  }
  if (identity.userId !== user) {
    throw authFailed(
      user,
      `the token is for user "${identity.userId}"; connect with user=${identity.userId}`,
    );
  }
  const client = deps.client.withToken(token);
  try {
    await client.getDatabaseInfo(database);
  } catch (err) {
    if (err instanceof IsaError && err.code === Status.NOT_FOUND) {
      throw BackendError.create({
        severity: "FATAL",
        code: "3D000",
        message: `database "${database}" does not exist`,
        hint: "dbname is an isA database id: one of yours (e.g. analytics) or your organization's as org/<name>; \\l lists them",
      });
    }
    throw BackendError.create({ ...toPgError(err), severity: "FATAL" });
  }
  return { identity, client };
}

function authFailed(user: string, reason: string): BackendError {
  return BackendError.create({
    severity: "FATAL",
    code: "28P01",
    message: `password authentication failed for user "${user}": ${reason}`,
    hint: TOKEN_HINT,
  });
}
