import type { duckdb } from "@isa-cloud/proto";
import { assertSuccess, invalidArgument } from "./errors.js";
import { type ImportSource, openImportSource } from "./import-source.js";
import { createRowDecoder } from "./row-decoder.js";
import { type ClientContext, callOptions } from "./rpc-context.js";
import type { CallOptions, DataFormat, ImportProgress } from "./types.js";

// Data in and out of a database: objects in storage, and bytes streamed from the caller.

const DEFAULT_CHUNK_SIZE = 256 * 1024;

export interface ImportFromStorageOptions extends CallOptions {
  /** Default "parquet", as in the guide. */
  format?: DataFormat;
  /** Default true, as in the guide. */
  createTable?: boolean;
  /** Empty the table first. Default false. */
  truncate?: boolean;
  /** Reader options, e.g. CSV `{ header: "true", delimiter: ";" }`. */
  options?: Record<string, string>;
}

export interface ImportResult {
  rowsImported: number;
  executionTimeMs: number;
}

export interface ExportToStorageOptions extends CallOptions {
  format: DataFormat;
  /** Replace an existing object. Default false. */
  overwrite?: boolean;
  /** Writer options, e.g. CSV `{ delimiter: ";" }`. */
  options?: Record<string, string>;
}

export interface ExportResult {
  rowsExported: number;
  fileSize: number;
  executionTimeMs: number;
}

export interface QueryStorageFileOptions extends CallOptions {
  format: DataFormat;
  /** SQL over the relation `file`. Default `SELECT * FROM file`. */
  sql?: string;
  /** Reader options, e.g. CSV `{ header: "true" }`. */
  options?: Record<string, string>;
}

export interface FileQueryResult<T> {
  rows: T[];
  columns: string[];
  executionTimeMs: number;
}

export interface ImportDataOptions extends CallOptions {
  format: DataFormat;
  /** Reader options, e.g. CSV `{ header: "true" }`. */
  options?: Record<string, string>;
  /** Called after each chunk is handed to the transport. */
  onProgress?: (progress: ImportProgress) => void;
  /** Bytes per message. Default 256 KiB. */
  chunkSize?: number;
}

export async function importFromStorage(
  ctx: ClientContext,
  db: string,
  table: string,
  bucket: string,
  key: string,
  opts: ImportFromStorageOptions,
): Promise<ImportResult> {
  const res = assertSuccess(
    "importFromMinIO",
    await ctx.rpc.importFromMinIO(
      {
        databaseId: db,
        userId: ctx.userId,
        tableName: table,
        bucketName: bucket,
        objectKey: key,
        format: opts.format ?? "parquet",
        createTable: opts.createTable ?? true,
        truncate: opts.truncate ?? false,
        options: opts.options ?? {},
      },
      callOptions(opts),
    ),
  );
  return { rowsImported: res.rowsImported, executionTimeMs: res.executionTimeMs };
}

export async function exportToStorage(
  ctx: ClientContext,
  db: string,
  sql: string,
  bucket: string,
  key: string,
  opts: ExportToStorageOptions,
): Promise<ExportResult> {
  const res = assertSuccess(
    "exportToMinIO",
    await ctx.rpc.exportToMinIO(
      {
        databaseId: db,
        userId: ctx.userId,
        query: sql,
        bucketName: bucket,
        objectKey: key,
        format: opts.format,
        options: opts.options ?? {},
        overwrite: opts.overwrite ?? false,
      },
      callOptions(opts),
    ),
  );
  return {
    rowsExported: res.rowsExported,
    fileSize: Number(res.fileSize),
    executionTimeMs: res.executionTimeMs,
  };
}

/** The service sends no column types for this call: values decode by their wire member. */
export async function queryStorageFile<T>(
  ctx: ClientContext,
  db: string,
  bucket: string,
  key: string,
  opts: QueryStorageFileOptions,
): Promise<FileQueryResult<T>> {
  const res = assertSuccess(
    "queryMinIOFile",
    await ctx.rpc.queryMinIOFile(
      {
        databaseId: db,
        userId: ctx.userId,
        bucketName: bucket,
        objectKey: key,
        format: opts.format,
        query: opts.sql ?? "",
        options: opts.options ?? {},
      },
      callOptions(opts),
    ),
  );
  const { columns, decode } = createRowDecoder<T>(res.columns, [], ctx.decode);
  return {
    rows: res.rows.map(decode),
    columns: columns.map((c) => c.name),
    executionTimeMs: res.executionTimeMs,
  };
}

/**
 * Metadata first, then chunks pulled from the source only as fast as nice-grpc sends
 * them (it waits for `drain`), so memory stays at about one chunk whatever the size.
 */
export async function importData(
  ctx: ClientContext,
  db: string,
  table: string,
  source: ImportSource,
  opts: ImportDataOptions,
): Promise<ImportResult> {
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isInteger(chunkSize) || chunkSize <= 0) {
    throw invalidArgument("importData", `chunkSize must be a positive integer, got ${chunkSize}`);
  }
  const opened = await openImportSource(source, chunkSize);
  const total = opened.size;
  const metadata: duckdb.ImportDataMetadata = {
    databaseId: db,
    userId: ctx.userId,
    tableName: table,
    format: opts.format,
    totalSize: BigInt(total ?? 0),
    options: opts.options ?? {},
  };
  const onProgress = opts.onProgress;
  async function* messages(): AsyncGenerator<duckdb.ImportDataRequest> {
    yield { payload: { $case: "metadata", value: metadata } };
    let bytes = 0;
    for await (const chunk of opened.chunks) {
      yield { payload: { $case: "chunk", value: chunk } };
      bytes += chunk.byteLength;
      onProgress?.(total === undefined ? { bytes } : { bytes, total });
    }
  }
  const res = assertSuccess("importData", await ctx.rpc.importData(messages(), callOptions(opts)));
  return { rowsImported: res.rowsImported, executionTimeMs: res.executionTimeMs };
}
