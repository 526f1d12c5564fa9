import { type DuckDBServiceImplementation, dateToTimestamp } from "@isa-cloud/proto";
import { ServerError, Status } from "nice-grpc";
import { databaseKey } from "./naming.js";
import {
  type Context,
  findDatabase,
  onConnection,
  type ServiceContext,
} from "./service-context.js";

type Impl = DuckDBServiceImplementation<{ identity: Context["identity"] }>;

/** InstallExtension, ListExtensions, HealthCheck, GetMetrics. */
export function engineMethods(
  ctx: ServiceContext,
): Pick<Impl, "installExtension" | "listExtensions" | "healthCheck" | "getMetrics"> {
  const builtIn = () => ctx.engine.extensions.filter((e) => e.builtIn).map((e) => e.name);

  return {
    async installExtension(request, context) {
      await findDatabase(ctx, context, request);
      const name = request.extensionName.trim().toLowerCase();
      if (!/^[a-z0-9_]{1,64}$/.test(name)) {
        throw new ServerError(
          Status.INVALID_ARGUMENT,
          "extension_name must be an extension's name",
        );
      }
      const extension = ctx.engine.extensions.find((e) => e.name === name);
      if (extension?.builtIn) {
        return { success: true, message: `${name} is built in and already loaded` };
      }
      throw new ServerError(
        Status.FAILED_PRECONDITION,
        `extension ${name} is not built into this server, and extensions cannot be installed ` +
          `at run time (databases are sandboxed); built in: ${builtIn().join(", ")}`,
      );
    },

    async listExtensions(request, context) {
      await findDatabase(ctx, context, request);
      return {
        success: true,
        extensions: ctx.engine.extensions.map((e) => ({
          name: e.name,
          version: e.version,
          installed: e.builtIn,
          loaded: e.builtIn,
          description: e.description,
        })),
      };
    },

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
          open_databases: ctx.manager.openDatabases.length,
          max_open_databases: ctx.config.maxOpenDatabases,
          active_connections: ctx.manager.activeConnections,
          uptime_seconds: Math.round((Date.now() - ctx.startedAt) / 1000),
          built_in_extensions: builtIn(),
        };
      }
      return response;
    },

    async getMetrics(request, context) {
      const m = ctx.manager.metrics;
      const metrics: Record<string, unknown> = {
        open_databases: ctx.manager.openDatabases.length,
        max_open_databases: ctx.config.maxOpenDatabases,
        checkpoints: m.checkpoints,
        checkpoint_failures: m.checkpointFailures,
        evictions: m.evictions,
        uptime_seconds: Math.round((Date.now() - ctx.startedAt) / 1000),
        duckdb_version: ctx.engine.version,
      };
      let figures = ctx.metrics.total;
      let activeConnections = ctx.manager.activeConnections;
      if (request.databaseId) {
        const record = await findDatabase(ctx, context, {
          databaseId: request.databaseId,
          userId: "",
        });
        const key = databaseKey(record.owner, record.name);
        figures = ctx.metrics.of(key);
        const open = ctx.manager.openDatabases.find((db) => db.key === key);
        activeConnections = open?.activeConnections ?? 0;
        metrics.database = record.name;
        metrics.open = open !== undefined;
        metrics.size_bytes = await ctx.manager.sizeOf(record);
      }
      return {
        success: true,
        totalQueries: BigInt(figures.queries),
        activeConnections: BigInt(activeConnections),
        avgQueryTimeMs: figures.queries > 0 ? figures.totalMs / figures.queries : 0,
        cacheHits: BigInt(m.cacheHits),
        cacheMisses: BigInt(m.cacheMisses),
        metrics,
      };
    },
  };
}
