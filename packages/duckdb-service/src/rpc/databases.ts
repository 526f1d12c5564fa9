import { dateToTimestamp, duckdb } from "@isa-cloud/proto";
import { assertOrgMember, resolveUserId } from "@isa-cloud/rpc-server";
import { ServerError, Status } from "nice-grpc";
import {
  assertBackupName,
  assertDatabaseName,
  backupOwnerSegment,
  backupPrefix,
  type Owner,
  ownerSegment,
} from "../databases/naming.js";
import { countTables } from "../engine/catalog.js";
import { limitsFromConfig } from "../engine/limits.js";
import {
  type Context,
  findDatabase,
  type Impl,
  onConnection,
  reachableOwners,
  type ServiceContext,
  toDatabaseInfo,
} from "./service-context.js";

const MAX_PAGE_SIZE = 1000;

/** CreateDatabase, ListDatabases, DeleteDatabase, GetDatabaseInfo, BackupDatabase, RestoreDatabase. */
export function databaseMethods(
  ctx: ServiceContext,
): Pick<
  Impl,
  | "createDatabase"
  | "listDatabases"
  | "deleteDatabase"
  | "getDatabaseInfo"
  | "backupDatabase"
  | "restoreDatabase"
> {
  return {
    async createDatabase(request, context) {
      const userId = resolveUserId(context.identity, request.userId);
      assertDatabaseName(request.databaseName, "database_name");
      const owner = ownerOf(context, userId, request.organizationId);
      const limits = limitsFromConfig(
        request.config,
        ctx.config.defaultLimits,
        ctx.config.limitCaps,
      );
      const now = new Date().toISOString();
      const record = await ctx.manager.create({
        owner,
        name: request.databaseName,
        createdBy: userId,
        createdAt: now,
        lastAccessedAt: now,
        metadata: request.metadata,
        limits,
        duckdbVersion: ctx.engine.version,
      });
      ctx.logger.info({ owner: owner.kind, database: record.name }, "database created");
      return {
        success: true,
        message: `database ${record.name} created`,
        databaseInfo: toDatabaseInfo(ctx, record, {
          sizeBytes: await ctx.manager.sizeOf(record),
          lastAccessed: new Date(now),
        }),
      };
    },

    async listDatabases(request, context) {
      const userId = resolveUserId(context.identity, request.userId);
      const owner = ownerOf(context, userId, request.organizationId);
      if (request.page < 0 || request.pageSize < 0 || request.pageSize > MAX_PAGE_SIZE) {
        throw new ServerError(
          Status.INVALID_ARGUMENT,
          `page must be 0 or more and page_size 0 to ${MAX_PAGE_SIZE}`,
        );
      }
      const page = request.page || 1;
      const pageSize = request.pageSize || 50;
      const all = (await ctx.manager.registry.list(owner))
        .filter((r) => r.name.includes(request.nameFilter))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const slice = all.slice((page - 1) * pageSize, page * pageSize);
      return {
        success: true,
        databases: await Promise.all(
          slice.map(async (record) =>
            toDatabaseInfo(ctx, record, {
              sizeBytes: await ctx.manager.sizeOf(record),
              lastAccessed: ctx.manager.lastAccess(record),
            }),
          ),
        ),
        totalCount: all.length,
        page,
        pageSize,
      };
    },

    async deleteDatabase(request, context) {
      const record = await findDatabase(ctx, context, request);
      await ctx.manager.delete(record, {
        fromStore: request.deleteFromMinio,
        force: request.force,
      });
      ctx.logger.info(
        { owner: record.owner.kind, database: record.name, fromStore: request.deleteFromMinio },
        "database deleted",
      );
      return {
        success: true,
        message: request.deleteFromMinio
          ? `database ${record.name} deleted`
          : `local copy of ${record.name} deleted; it reopens from object storage on next use`,
      };
    },

    async getDatabaseInfo(request, context) {
      const record = await findDatabase(ctx, context, request);
      const lastAccessed = ctx.manager.lastAccess(record);
      const lease = await ctx.manager.lease(record, { touch: false });
      try {
        if (request.changeVersionOnly) {
          const { databaseId, databaseName } = toDatabaseInfo(ctx, record, {
            sizeBytes: 0,
            lastAccessed,
          });
          return {
            success: true,
            databaseInfo: duckdb.DatabaseInfo.fromPartial({
              databaseId,
              databaseName,
              changeVersion: lease.db.changeVersion,
            }),
          };
        }
        const tableCount = await onConnection(
          ctx,
          lease.db,
          context,
          ctx.config.queryTimeoutMs,
          (conn) => countTables(conn),
        );
        return {
          success: true,
          databaseInfo: {
            ...toDatabaseInfo(ctx, lease.record, {
              sizeBytes: await ctx.manager.sizeOf(record),
              tableCount,
              lastAccessed,
            }),
            changeVersion: lease.db.changeVersion,
          },
        };
      } finally {
        lease.release();
      }
    },

    async backupDatabase(request, context) {
      const record = await findDatabase(ctx, context, request);
      const time = new Date();
      const name = request.backupName || time.toISOString().replaceAll(":", "-");
      assertBackupName(name);
      const backup = await ctx.manager.backup(record, name);
      return {
        success: true,
        message: `backup ${name} of ${record.name} stored${request.incremental ? " (as a full copy: incremental backups are not supported)" : ""}`,
        backupPath: backup.path,
        backupSize: BigInt(backup.size),
        backupTime: dateToTimestamp(time),
      };
    },

    async restoreDatabase(request, context) {
      const userId = resolveUserId(context.identity, request.userId);
      if (request.newDatabaseName) assertDatabaseName(request.newDatabaseName, "new_database_name");
      const notABackup = new ServerError(
        Status.INVALID_ARGUMENT,
        "backup_path is not a path BackupDatabase returned",
      );
      const segment = backupOwnerSegment(request.backupPath);
      if (!segment) throw notABackup;
      // Segments are compared, not read back: a long id's segment is a hash.
      const owner = reachableOwners(context.identity, userId).find(
        (o) => ownerSegment(o) === segment,
      );
      if (!owner) {
        throw new ServerError(Status.PERMISSION_DENIED, "the backup belongs to someone else");
      }
      const name = await ctx.manager.backupSource(request.backupPath);
      if (!name || !request.backupPath.startsWith(backupPrefix(owner, name))) throw notABackup;
      const source = await ctx.manager.registry.get(owner, name);
      const now = new Date().toISOString();
      const record = await ctx.manager.restore({
        backupKey: request.backupPath,
        owner,
        target: request.newDatabaseName || name,
        replace: !request.newDatabaseName,
        template: {
          owner,
          name: request.newDatabaseName || name,
          createdBy: userId,
          createdAt: now,
          lastAccessedAt: now,
          metadata: { ...(source?.metadata ?? {}), restored_from: request.backupPath },
          limits: source?.limits ?? ctx.config.defaultLimits,
          duckdbVersion: ctx.engine.version,
        },
      });
      return {
        success: true,
        message: `backup restored as ${record.name}`,
        databaseInfo: toDatabaseInfo(ctx, record, {
          sizeBytes: await ctx.manager.sizeOf(record),
          lastAccessed: new Date(now),
        }),
      };
    },
  };
}

/** The namespace a create or list acts on: the caller's, or its organization's. */
function ownerOf(context: Context, userId: string, organizationId: string): Owner {
  if (!organizationId) return { kind: "user", id: userId };
  assertOrgMember(context.identity, organizationId);
  return { kind: "org", id: organizationId };
}
