import type { Metadata } from "@grpc/grpc-js";
import { DuckDBServiceDefinition } from "@isa-cloud/proto";

/** What the router needs from one call: whose databases it touches, and how long it may run. */
export interface Route {
  /**
   * Owner key: `user:<id>` or `org:<id>`; "" when the call names no owner (a plain
   * HealthCheck without a token), which any worker may answer.
   */
  owner: string;
  /** How long the worker may run it before the watchdog steps in, in ms; undefined: no limit. */
  limitMs: number | undefined;
  /** The limit's name, for the caller's message. */
  limitName: string;
}

export interface LimitSettings {
  queryTimeoutMs: number;
  maxQueryTimeoutMs: number;
}

type Method = keyof typeof DuckDBServiceDefinition.methods;

/** The methods whose request carries `timeout_seconds`. */
const QUERY_METHODS = new Set<Method>([
  "executeQuery",
  "executeQueryStream",
  "executeQueryColumnar",
]);

/** Methods that run SQL under the worker's default query timeout. */
const SQL_METHODS = new Set<Method>([
  "executeStatement",
  "executeBatch",
  "prepareStatement",
  "createTable",
  "listTables",
  "getTableSchema",
  "getTableStats",
  "dropTable",
  "createView",
  "listViews",
  "dropView",
  "createFunction",
]);

/**
 * Methods that run SQL after a download from storage. The worker's timeout covers only the
 * SQL, so the watchdog allows a second query timeout for the transfer.
 */
const TRANSFER_METHODS = new Set<Method>(["importFromMinIO", "exportToMinIO", "queryMinIOFile"]);

/** The caller as the (unverified) token says: workers verify every call themselves. */
export interface Claims {
  sub?: string;
  org?: string;
}

/**
 * Reads `sub` and `org` from the bearer token's payload without checking the signature:
 * a forged token only picks which worker refuses it (UNAUTHENTICATED, as the direct
 * service would), it never reaches another owner's data.
 */
export function claimsOf(metadata: Metadata): Claims {
  const header = metadata.get("authorization")[0];
  if (typeof header !== "string") return {};
  const match = /^Bearer\s+[^.]*\.([^.]*)\./i.exec(header.trim());
  if (!match) return {};
  try {
    const payload = JSON.parse(Buffer.from(match[1]!, "base64url").toString("utf8"));
    return {
      ...(typeof payload.sub === "string" ? { sub: payload.sub } : {}),
      ...(typeof payload.org === "string" ? { org: payload.org } : {}),
    };
  } catch {
    return {};
  }
}

/** The routing fields of any DuckDBService request, decoded with the generated decoders. */
interface RoutingFields {
  databaseId?: string;
  userId?: string;
  organizationId?: string;
  backupPath?: string;
  timeoutSeconds?: number;
}

/** Decodes `bytes` as `method`'s request and takes out what routing needs. */
export function routingFieldsOf(method: Method, bytes: Uint8Array): RoutingFields {
  const definition = DuckDBServiceDefinition.methods[method];
  const request = definition.requestType.decode(bytes) as Record<string, unknown>;
  if (method === "importData") {
    // ImportData is a client stream: its first message holds the metadata.
    const payload = request.payload as { $case: string; value: RoutingFields } | undefined;
    return payload?.$case === "metadata" ? payload.value : {};
  }
  return request as RoutingFields;
}

/**
 * Owner of a call: an `org/<name>` database belongs to the token's organization, a
 * CreateDatabase or ListDatabases with `organization_id` to that organization (the worker
 * checks membership), a backup to the owner named in its path, anything else to the
 * caller (the token's subject, or `user_id` in the legacy trust mode).
 */
export function ownerOf(fields: RoutingFields, claims: Claims): string {
  if (fields.databaseId?.startsWith("org/") && claims.org) return `org:${claims.org}`;
  if (fields.organizationId) return `org:${fields.organizationId}`;
  if (fields.backupPath) {
    const owner = backupOwner(fields.backupPath);
    if (owner) return owner;
  }
  const user = claims.sub ?? fields.userId;
  return user ? `user:${user}` : "";
}

/**
 * duckdb-service names backups `backups/<kind>-<hex of the id's UTF-8>/<name>/<backup>.duckdb`
 * (see its README, "Registry, local cache and object storage"); RestoreDatabase writes
 * into that owner's namespace, so it must run on that owner's worker.
 */
function backupOwner(path: string): string | undefined {
  const match = /^backups\/(user|org)-([0-9a-f]+)\//.exec(path);
  if (!match || match[2]!.length % 2 !== 0) return undefined;
  return `${match[1]}:${Buffer.from(match[2]!, "hex").toString("utf8")}`;
}

/** How long the worker may run a call of `method`, as the worker itself would bound it. */
export function limitOf(
  method: Method,
  fields: RoutingFields,
  settings: LimitSettings,
): { limitMs: number | undefined; limitName: string } {
  if (QUERY_METHODS.has(method)) {
    const seconds = fields.timeoutSeconds ?? 0;
    return seconds > 0
      ? {
          limitMs: Math.min(seconds * 1000, settings.maxQueryTimeoutMs),
          limitName: `timeout_seconds ${seconds}`,
        }
      : {
          limitMs: settings.queryTimeoutMs,
          limitName: `the default query timeout of ${settings.queryTimeoutMs / 1000} s`,
        };
  }
  if (SQL_METHODS.has(method)) {
    return {
      limitMs: settings.queryTimeoutMs,
      limitName: `the query timeout of ${settings.queryTimeoutMs / 1000} s`,
    };
  }
  if (TRANSFER_METHODS.has(method)) {
    return {
      limitMs: 2 * settings.queryTimeoutMs,
      limitName: `twice the query timeout of ${settings.queryTimeoutMs / 1000} s`,
    };
  }
  return { limitMs: undefined, limitName: "" };
}

/** Routes one call of `method` from its first request message and its metadata. */
export function routeOf(
  method: Method,
  firstMessage: Uint8Array | undefined,
  metadata: Metadata,
  settings: LimitSettings,
): Route {
  let fields: RoutingFields = {};
  if (firstMessage) {
    try {
      fields = routingFieldsOf(method, firstMessage);
    } catch {
      // Bytes that do not decode go to the caller's worker, which answers them as the
      // direct service would.
    }
  }
  return { owner: ownerOf(fields, claimsOf(metadata)), ...limitOf(method, fields, settings) };
}

export type { Method };
