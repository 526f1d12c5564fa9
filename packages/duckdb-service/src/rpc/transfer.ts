import { createWriteStream } from "node:fs";
import { rm, stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { StatementType } from "@duckdb/node-api";
import type { duckdb } from "@isa-cloud/proto";
import { NotFoundError } from "@isa-cloud/rpc/wire";
import { ServerError, Status } from "nice-grpc";
import type { OpenDatabase } from "../databases/open-database.js";
import {
  CONTENT_TYPES,
  type FileFormat,
  fileFormat,
  readerCall,
  writerOptions,
} from "../engine/file-formats.js";
import { readBatches, resultColumns, runScript } from "../engine/sql-runner.js";
import {
  assertSingleStatement,
  bareQuery,
  qualified,
  type RelationRef,
  relationRef,
  sqlString,
} from "../engine/sql-text.js";
import { checkSqlText } from "../engine/statement-policy.js";
import {
  asCaller,
  type Context,
  findDatabase,
  type Impl,
  int32,
  markWrites,
  onConnection,
  rowBudget,
  type ServiceContext,
  since,
} from "./service-context.js";

/** ImportFromMinIO, ExportToMinIO, QueryMinIOFile, ImportData. */
export function transferMethods(
  ctx: ServiceContext,
): Pick<Impl, "importFromMinIO" | "exportToMinIO" | "queryMinIOFile" | "importData"> {
  /**
   * Loads a staged file into a table in one transaction: created from the file's columns
   * when missing (if allowed), emptied first when asked. A failure leaves the table as it was.
   */
  async function load(
    db: OpenDatabase,
    context: Context,
    file: string,
    format: FileFormat,
    options: Record<string, string>,
    table: RelationRef,
    opts: { create: boolean; truncate: boolean },
  ): Promise<number> {
    const source = readerCall(format, file, options);
    return onConnection(ctx, db, context, ctx.config.queryTimeoutMs, async (conn, guard) => {
      const exists = await guard.run(() =>
        conn.runAndReadAll(
          `SELECT count(*) FROM information_schema.tables
            WHERE table_catalog = current_database() AND table_schema = $schema
              AND table_name = $name AND table_type = 'BASE TABLE'`,
          { schema: table.schema, name: table.name },
        ),
      );
      const found = Number(exists.getRows()[0]?.[0] ?? 0) > 0;
      if (!found && !opts.create) {
        throw new ServerError(
          Status.NOT_FOUND,
          `table ${JSON.stringify(table.name)} does not exist; set create_table to create it from the file`,
        );
      }
      await guard.run(() => conn.run("BEGIN TRANSACTION"));
      try {
        if (!found) {
          await guard.run(() =>
            conn.run(`CREATE TABLE ${qualified(table)} AS SELECT * FROM ${source} LIMIT 0`),
          );
        } else if (opts.truncate) {
          await guard.run(() => conn.run(`DELETE FROM ${qualified(table)}`));
        }
        const inserted = await guard.run(() =>
          conn.run(`INSERT INTO ${qualified(table)} SELECT * FROM ${source}`),
        );
        await guard.run(() => conn.run("COMMIT"));
        db.dirty = true;
        return inserted.rowsChanged;
      } catch (err) {
        await conn.run("ROLLBACK").catch(() => {});
        throw err;
      }
    });
  }

  /** Downloads a caller's object into the database's staging directory. */
  async function stage(
    db: OpenDatabase,
    context: Context,
    bucket: string,
    key: string,
    format: FileFormat,
  ): Promise<string> {
    if (!bucket || !key) {
      throw new ServerError(Status.INVALID_ARGUMENT, "bucket_name and object_key are required");
    }
    const file = db.stagingFile(format);
    await asCaller(ctx, context, `reading ${bucket}/${key}`, (store) =>
      store.downloadToFile(bucket, key, file, { signal: context.signal }),
    );
    return file;
  }

  return {
    async importFromMinIO(request, context) {
      const started = performance.now();
      const table = relationRef(request.tableName, "table_name");
      const format = fileFormat(request.format);
      readerCall(format, "", request.options);
      const record = await findDatabase(ctx, context, request);
      return ctx.manager.use(record, async ({ db }) => {
        const file = await stage(db, context, request.bucketName, request.objectKey, format);
        try {
          const rows = await load(db, context, file, format, request.options, table, {
            create: request.createTable,
            truncate: request.truncate,
          });
          return {
            success: true,
            message: `${rows} row(s) imported into ${table.name}`,
            rowsImported: int32(rows),
            executionTimeMs: since(started),
          };
        } finally {
          await rm(file, { force: true });
        }
      });
    },

    async exportToMinIO(request, context) {
      const started = performance.now();
      const format = fileFormat(request.format);
      const copyOptions = writerOptions(format, request.options);
      if (!request.query.trim()) throw new ServerError(Status.INVALID_ARGUMENT, "query is empty");
      checkSqlText(request.query);
      if (!request.bucketName || !request.objectKey) {
        throw new ServerError(Status.INVALID_ARGUMENT, "bucket_name and object_key are required");
      }
      const record = await findDatabase(ctx, context, request);
      const where = `${request.bucketName}/${request.objectKey}`;
      if (!request.overwrite) {
        const exists = await asCaller(ctx, context, `checking ${where}`, (store) =>
          // A missing bucket is NOT_FOUND too; the upload then says so.
          store.statObject(request.bucketName, request.objectKey).then(
            () => true,
            (err) => {
              if (err instanceof NotFoundError) return false;
              throw err;
            },
          ),
        );
        if (exists) {
          throw new ServerError(
            Status.ALREADY_EXISTS,
            `${where} already exists; set overwrite to replace it`,
          );
        }
      }
      return ctx.manager.use(record, async ({ db }) => {
        const file = db.stagingFile(format);
        try {
          const rows = await onConnection(
            ctx,
            db,
            context,
            ctx.config.queryTimeoutMs,
            async (conn, guard) => {
              await assertSingleStatement(
                conn,
                guard,
                request.query,
                StatementType.SELECT,
                "query",
              );
              const copy = `COPY (\n${bareQuery(request.query)}\n) TO ${sqlString(file)} ${copyOptions}`;
              await assertSingleStatement(conn, guard, copy, StatementType.COPY, "query");
              return (await guard.run(() => conn.run(copy))).rowsChanged;
            },
          );
          const { size } = await stat(file);
          await asCaller(ctx, context, `writing ${where}`, (store) =>
            store.putFile(request.bucketName, request.objectKey, file, {
              contentType: CONTENT_TYPES[format],
              signal: context.signal,
            }),
          );
          return {
            success: true,
            message: `${rows} row(s) exported to ${where}`,
            rowsExported: int32(rows),
            fileSize: BigInt(size),
            executionTimeMs: since(started),
          };
        } finally {
          await rm(file, { force: true });
        }
      });
    },

    async queryMinIOFile(request, context) {
      const started = performance.now();
      const format = fileFormat(request.format);
      readerCall(format, "", request.options);
      const record = await findDatabase(ctx, context, request);
      return ctx.manager.use(record, async ({ db }) => {
        const file = await stage(db, context, request.bucketName, request.objectKey, format);
        try {
          return await onConnection(
            ctx,
            db,
            context,
            ctx.config.queryTimeoutMs,
            async (conn, guard) => {
              // A temporary view lives on this connection only; dropped before it goes back.
              await guard.run(() =>
                conn.run(
                  `CREATE OR REPLACE TEMP VIEW file AS SELECT * FROM ${readerCall(format, file, request.options)}`,
                ),
              );
              try {
                return await runScript(
                  conn,
                  request.query.trim() || "SELECT * FROM file",
                  guard,
                  { onStatement: markWrites(db) },
                  async (prepared) => {
                    const result = await guard.run(() => prepared.stream());
                    const columns = resultColumns(result, (t) => ctx.engine.typeNamer.name(t));
                    const rows: duckdb.Row[] = [];
                    let bytes = 0;
                    for await (const batch of readBatches(result, columns.types, guard, {
                      batchBytes: 256 * 1024,
                    })) {
                      bytes += batch.bytes;
                      if (bytes > rowBudget(ctx)) {
                        throw new ServerError(
                          Status.RESOURCE_EXHAUSTED,
                          "the result is larger than one message allows: aggregate or LIMIT it, " +
                            "or import the file (ImportFromMinIO) and use ExecuteQueryStream",
                        );
                      }
                      rows.push(...batch.rows);
                    }
                    return {
                      success: true,
                      columns: columns.names,
                      rows,
                      rowCount: rows.length,
                      executionTimeMs: since(started),
                    };
                  },
                );
              } finally {
                await conn.run("DROP VIEW IF EXISTS temp.main.file").catch(() => {});
              }
            },
          );
        } finally {
          await rm(file, { force: true });
        }
      });
    },

    async importData(requests, context) {
      const started = performance.now();
      const iterator = requests[Symbol.asyncIterator]();
      const first = await iterator.next();
      if (first.done || first.value.payload?.$case !== "metadata") {
        throw new ServerError(
          Status.INVALID_ARGUMENT,
          "the first message of ImportData must carry metadata, then chunks follow",
        );
      }
      const meta = first.value.payload.value;
      const table = relationRef(meta.tableName, "table_name");
      const format = fileFormat(meta.format);
      readerCall(format, "", meta.options);
      const total = Number(meta.totalSize);
      if (total < 0) throw new ServerError(Status.INVALID_ARGUMENT, "total_size must be 0 or more");
      const limit = ctx.config.maxImportBytes;
      if (total > limit) {
        throw new ServerError(
          Status.RESOURCE_EXHAUSTED,
          `total_size is above the ${limit}-byte import limit`,
        );
      }
      const record = await findDatabase(ctx, context, meta);
      return ctx.manager.use(record, async ({ db }) => {
        const file = db.stagingFile(format);
        try {
          let received = 0;
          async function* chunks(): AsyncGenerator<Uint8Array> {
            for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
              const payload = next.value.payload;
              if (payload?.$case !== "chunk") {
                throw new ServerError(
                  Status.INVALID_ARGUMENT,
                  "metadata may come only once, first",
                );
              }
              received += payload.value.length;
              if (received > limit || (total > 0 && received > total)) {
                throw new ServerError(
                  total > 0 && received > total
                    ? Status.INVALID_ARGUMENT
                    : Status.RESOURCE_EXHAUSTED,
                  total > 0 && received > total
                    ? `the stream carries more than total_size (${total}) bytes`
                    : `the upload is above the ${limit}-byte import limit`,
                );
              }
              yield payload.value;
            }
          }
          await pipeline(Readable.from(chunks()), createWriteStream(file));
          if (total > 0 && received !== total) {
            throw new ServerError(
              Status.INVALID_ARGUMENT,
              `the stream carried ${received} bytes, not total_size ${total}`,
            );
          }
          if (received === 0)
            throw new ServerError(Status.INVALID_ARGUMENT, "the stream carried no data");
          const rows = await load(db, context, file, format, meta.options, table, {
            create: true,
            truncate: false,
          });
          return {
            success: true,
            message: `${rows} row(s) imported into ${table.name}`,
            rowsImported: int32(rows),
            executionTimeMs: since(started),
          };
        } finally {
          await rm(file, { force: true });
        }
      });
    },
  };
}
