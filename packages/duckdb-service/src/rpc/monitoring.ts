import { dateToTimestamp } from "@isa-cloud/proto";
import { ServerError, Status } from "nice-grpc";
import { databaseKey, isOwnedBy } from "../databases/naming.js";
import type { DatabaseRecord } from "../databases/registry.js";
import { builtInExtensions } from "./extensions.js";
import {
  type Context,
  findDatabase,
  type Impl,
  onConnection,
  reachableOwners,
  type ServiceContext,
} from "./service-context.js";

/** HealthCheck, GetMetrics. */
export function monitoringMethods(ctx: ServiceContext): Pick<Impl, "healthCheck" | "getMetrics"> {
  return {
    async healthCheck(request, context) {
      const serving = ctx.isServing();
      const response = {
        success: true,
        healthy: serving,
        status: serving ? "SERVING" : "NOT_SERVING",
        timestamp: dateToTimestamp(new Date()),
        details: undefined as Record<string, unknown> | undefined,
      };
      if (request.databaseId) {
        // HealthCheck needs no token, but a database is only checked for its owner.
        if (!context.identity) {
          throw new ServerError(
            Status.UNAUTHENTICATED,
            "checking a database needs a token of its owner; omit database_id for a plain check",
          );
        }
        const record = await findDatabase(ctx, context, {
          databaseId: request.databaseId,
          userId: "",
        });
        await ctx.manager.use(record, ({ db }) =>
          onConnection(ctx, db, context, 10_000, (conn) => conn.run("SELECT 1")),
        );
      }
      if (request.detailed) {
        response.details = {
          duckdb_version: ctx.engine.version,
          uptime_seconds: Math.round((Date.now() - ctx.startedAt) / 1000),
          built_in_extensions: builtInExtensions(ctx),
          // How busy the node is tells of every tenant: for system tokens only.
          ...(context.identity?.system
            ? {
                open_databases: ctx.manager.openDatabases.length,
                max_open_databases: ctx.config.maxOpenDatabases,
                active_connections: ctx.manager.activeConnections,
              }
            : {}),
        };
      }
      return response;
    },

    async getMetrics(request, context) {
      const { scope, includes, record } = await metricsScope(ctx, context, request.databaseId);
      const figures = ctx.manager.metrics.sum(includes);
      const open = ctx.manager.openDatabases.filter((db) => includes(db.key));
      const metrics: Record<string, unknown> = {
        scope,
        open_databases: open.length,
        checkpoints: figures.checkpoints,
        checkpoint_failures: figures.checkpointFailures,
        evictions: figures.evictions,
        uptime_seconds: Math.round((Date.now() - ctx.startedAt) / 1000),
        duckdb_version: ctx.engine.version,
      };
      if (scope === "service") metrics.max_open_databases = ctx.config.maxOpenDatabases;
      if (record) {
        metrics.database = record.name;
        metrics.open = open.length > 0;
        metrics.size_bytes = await ctx.manager.sizeOf(record);
      }
      return {
        success: true,
        totalQueries: BigInt(figures.queries),
        activeConnections: BigInt(open.reduce((n, db) => n + db.activeConnections, 0)),
        avgQueryTimeMs: figures.queries > 0 ? figures.queryMs / figures.queries : 0,
        cacheHits: BigInt(figures.cacheHits),
        cacheMisses: BigInt(figures.cacheMisses),
        metrics,
      };
    },
  };
}

/**
 * Whose figures GetMetrics sums: one database's (`database_id`, for whoever may name it),
 * the whole service's (a system token), or else those of the databases the caller can
 * reach, their own and their organization's: another tenant's load, evictions or query
 * counts are not theirs to see.
 */
async function metricsScope(
  ctx: ServiceContext,
  context: Context,
  databaseId: string,
): Promise<{
  scope: "database" | "service" | "caller";
  includes: (key: string) => boolean;
  record?: DatabaseRecord;
}> {
  if (databaseId) {
    const record = await findDatabase(ctx, context, { databaseId, userId: "" });
    const key = databaseKey(record.owner, record.name);
    return { scope: "database", includes: (k) => k === key, record };
  }
  if (context.identity.system) return { scope: "service", includes: () => true };
  const owners = reachableOwners(context.identity);
  return { scope: "caller", includes: (k) => owners.some((owner) => isOwnedBy(k, owner)) };
}
