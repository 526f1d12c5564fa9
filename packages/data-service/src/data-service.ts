import { randomBytes } from "node:crypto";
import type { Readable } from "node:stream";
import { AlreadyExistsError, NotFoundError } from "@isa-cloud/rpc";
import { parseDateRange } from "./dates.js";
import { invalidArgument, notFound } from "./errors.js";
import { contentTypeFor, type ImportFormat, resolveImportFormat } from "./formats.js";
import { toJsonRow } from "./json-values.js";
import { KnownSet } from "./known-set.js";
import {
  analyticsDatabaseId,
  DEFAULT_USER_BUCKET,
  EVENTS_TABLE,
  REPORTS_PREFIX,
  validateObjectKey,
} from "./names.js";
import { ReportRegistry, reportKey } from "./report-registry.js";
import { defaultReportTypes } from "./report-types.js";
import {
  ANALYZE_BEHAVIOR_SQL,
  CLASSIFY_STATEMENT_SQL,
  CREATE_EVENTS_TABLE_SQL,
  EVENT_COLUMNS,
  insertFromStagingSql,
} from "./sql.js";
import type { StorageService } from "./storage-service.js";

/** Anything storeUserData can store: bytes in memory or a stream of them. */
export type UserData =
  | Buffer
  | Uint8Array
  | string
  | NodeJS.ReadableStream
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array>;

export interface DataServiceOptions {
  /** The bucket, in each user's own namespace, holding that user's files. Default "data" (see names.ts). */
  bucket?: string;
  /** Report types generateReport knows. Default: daily_summary and user_activity. */
  reports?: ReportRegistry;
  /** Most rows `query` returns. Default 10,000. @example { queryMaxRows: 1_000 } */
  queryMaxRows?: number;
}

export interface StoreOptions {
  contentType?: string;
  /** Exact size of a stream; the service refuses a body of another length. */
  contentLength?: number;
  signal?: AbortSignal;
  onProgress?: (progress: { bytes: number; total?: number }) => void;
}

export interface StoredFile {
  key: string;
  size: number;
  etag: string;
}

export interface FileInfo {
  key: string;
  size: number;
  etag: string;
  /** Empty in listings, which (as in S3) carry no content type. */
  contentType: string;
  lastModified: Date;
}

export interface EventTypeSummary {
  event_type: string;
  count: number;
  /** Mean of `duration` over the events that have one; null when none has. */
  avg_duration: number | null;
}

export interface BehaviorAnalysis {
  user_id: string;
  /** "start to end", as the guide reported it. */
  period: string;
  start_date: string;
  end_date: string;
  events: EventTypeSummary[];
}

export interface ReportDocument {
  report_type: string;
  generated_at: string;
  user_id: string;
  parameters: unknown;
  data: unknown;
}

export interface ReadOnlyQueryResult {
  columns: Array<{ name: string; type: string }>;
  rows: Record<string, unknown>[];
  /** True when the result had more rows than were returned. */
  truncated: boolean;
  execution_time_ms: number;
}

/**
 * The guide's DataService: business operations over one StorageService. Methods
 * take the user id first, as the guide's do, and send it to the storage service as
 * the request's user_id before doing anything (StorageService.assertCaller): a user id
 * that is not the token's is PermissionDeniedError, never a write into the token's
 * bucket or a report naming the wrong user. Every operation
 * raises the typed errors of @isa-cloud/rpc (InvalidArgumentError, NotFoundError,
 * ServiceUnavailableError, ...) instead of the guide's `False`, `{}` and `''`, so the
 * API can tell "bad date" from "service down". Calls run with whatever token
 * surrounds them (StorageService.withToken).
 */
export class DataService {
  readonly storage: StorageService;
  readonly reports: ReportRegistry;
  readonly bucket: string;
  readonly queryMaxRows: number;
  /** Users whose bucket, and databases whose events table, are known to exist: saves a call per request. */
  readonly #knownBuckets = new KnownSet();
  readonly #knownTables = new KnownSet();

  constructor(storage: StorageService, options: DataServiceOptions = {}) {
    this.storage = storage;
    this.reports = options.reports ?? new ReportRegistry(defaultReportTypes());
    this.bucket = options.bucket ?? DEFAULT_USER_BUCKET;
    this.queryMaxRows = options.queryMaxRows ?? 10_000;
  }

  /** Stores a file (bytes or a stream, never buffered whole) in the user's bucket. */
  async storeUserData(
    userId: string,
    fileName: string,
    data: UserData,
    options: StoreOptions = {},
  ): Promise<StoredFile> {
    const key = validateObjectKey(fileName);
    await this.storage.assertCaller(userId);
    await this.#ensureBucket(userId);
    const result = await this.#put(userId, key, data, {
      ...options,
      contentType: options.contentType ?? contentTypeFor(key),
    });
    return { key, size: result.size, etag: result.etag };
  }

  /** The user's files, in key order, at most `limit` (default and maximum 1,000). */
  async listUserFiles(
    userId: string,
    options: { prefix?: string; startAfter?: string; limit?: number } = {},
  ): Promise<{ files: FileInfo[]; truncated: boolean }> {
    const limit = Math.min(options.limit ?? 1000, 1000);
    await this.storage.assertCaller(userId);
    const files: FileInfo[] = [];
    let truncated = false;
    try {
      const listing = this.storage.minio.listObjects(this.bucket, {
        recursive: true,
        pageSize: Math.min(limit + 1, 1000),
        ...(options.prefix ? { prefix: options.prefix } : {}),
        ...(options.startAfter ? { startAfter: options.startAfter } : {}),
      });
      for await (const entry of listing) {
        if (!("key" in entry)) continue;
        if (files.length === limit) {
          truncated = true;
          break;
        }
        files.push({
          key: entry.key,
          size: entry.size,
          etag: entry.etag,
          contentType: entry.contentType,
          lastModified: entry.lastModified,
        });
      }
    } catch (err) {
      // No bucket yet: the user simply has no files.
      if (err instanceof NotFoundError) {
        this.#knownBuckets.delete(userId);
        return { files: [], truncated: false };
      }
      throw err;
    }
    return { files, truncated };
  }

  /** A stored file's info and a stream of its bytes. */
  async openUserFile(
    userId: string,
    fileName: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<{ info: FileInfo; stream: Readable }> {
    const key = validateObjectKey(fileName);
    await this.storage.assertCaller(userId);
    const { info, stream } = await this.storage.minio.getObjectStream(this.bucket, key, options);
    return {
      info: {
        key: info.key,
        size: info.size,
        etag: info.etag,
        contentType: info.contentType,
        lastModified: info.lastModified,
      },
      stream,
    };
  }

  /** Deletes a stored file; NotFoundError when there is none. */
  async deleteUserFile(userId: string, fileName: string): Promise<void> {
    const key = validateObjectKey(fileName);
    await this.storage.assertCaller(userId);
    // statObject first: deleting a missing key is silently fine in S3, but a caller
    // deleting a file that is not there has the wrong name and should hear so.
    await this.storage.minio.statObject(this.bucket, key);
    await this.storage.minio.deleteObject(this.bucket, key);
  }

  /**
   * Loads a stored CSV, JSON or Parquet file into the user's `user_events` table.
   * The file needs `event_type` and `date` columns; `duration`, `value` and `user_id`
   * are optional (a missing `user_id` is the user's own). The rows land in one
   * INSERT, so a file with a bad row adds nothing.
   */
  async importUserData(
    userId: string,
    fileName: string,
    options: { format?: string } = {},
  ): Promise<{ table: string; rowsImported: number; format: ImportFormat }> {
    const key = validateObjectKey(fileName);
    const format = resolveImportFormat(key, options.format);
    await this.storage.assertCaller(userId);
    const db = analyticsDatabaseId(userId);
    await this.#ensureEventsTable(db);
    // The file goes into its own table first (DuckDB infers its columns), then into
    // user_events by column name with explicit casts: column order in the file and
    // extra columns do not matter, and bad values fail before anything is added.
    const staging = `import_${randomBytes(8).toString("hex")}`;
    const duckdb = this.storage.duckdb;
    try {
      await duckdb.importFromStorage(db, staging, this.bucket, key, { format, createTable: true });
      const schema = await duckdb.getTableSchema(db, staging);
      const present = new Set(schema.columns.map((column) => column.name.toLowerCase()));
      const missing = EVENT_COLUMNS.filter((c) => c.required && !present.has(c.name));
      if (missing.length > 0) {
        throw invalidArgument(
          `"${key}" has no ${missing.map((c) => c.name).join(" or ")} column; ${EVENTS_TABLE} needs ${EVENT_COLUMNS.filter(
            (c) => c.required,
          )
            .map((c) => c.name)
            .join(" and ")}, and may have ${EVENT_COLUMNS.filter((c) => !c.required)
            .map((c) => c.name)
            .join(", ")}`,
        );
      }
      const { affectedRows } = await duckdb.execute(db, insertFromStagingSql(staging, present), {
        owner: userId,
      });
      return { table: EVENTS_TABLE, rowsImported: affectedRows, format };
    } finally {
      await duckdb.dropTable(db, staging, { ifExists: true }).catch(() => {});
    }
  }

  /**
   * The guide's analysis: per event type, how many events and their average duration
   * between two dates (inclusive, YYYY-MM-DD), most frequent first.
   */
  async analyzeUserBehavior(
    userId: string,
    startDate: string,
    endDate: string,
  ): Promise<BehaviorAnalysis> {
    const { start, end } = parseDateRange(startDate, endDate);
    await this.storage.assertCaller(userId);
    const rows = await this.#queryEvents(userId, ANALYZE_BEHAVIOR_SQL, { start, end });
    return {
      user_id: userId,
      period: `${start} to ${end}`,
      start_date: start,
      end_date: end,
      events: rows.map((row) => ({
        event_type: String(row.event_type),
        count: Number(row.count),
        avg_duration: row.avg_duration === null ? null : Number(row.avg_duration),
      })),
    };
  }

  /**
   * Runs a registered report over the user's events, stores it as JSON in the
   * user's bucket under `reports/` and returns its key.
   */
  async generateReport(
    userId: string,
    reportType: string,
    parameters: Record<string, unknown> = {},
  ): Promise<string> {
    const type = this.reports.get(reportType);
    const params = type.parse(parameters);
    const key = reportKey(type, type.keySuffix(params));
    const { sql, params: bound } = type.query(params);
    await this.storage.assertCaller(userId);
    const rows = (await this.#queryEvents(userId, sql, bound)).map(toJsonRow);
    const report: ReportDocument = {
      report_type: type.name,
      generated_at: new Date().toISOString(),
      user_id: userId,
      parameters: params,
      data: type.format ? type.format(rows, params) : rows,
    };
    await this.#ensureBucket(userId);
    await this.#put(userId, key, JSON.stringify(report), { contentType: "application/json" });
    return key;
  }

  /** A stored report, by its key (`reports/...`) or its name under `reports/`. */
  async getReport(userId: string, keyOrName: string): Promise<ReportDocument> {
    const key = validateObjectKey(
      keyOrName.startsWith(REPORTS_PREFIX) ? keyOrName : `${REPORTS_PREFIX}${keyOrName}`,
      "report key",
    );
    await this.storage.assertCaller(userId);
    const bytes = await this.storage.minio.getObject(this.bucket, key);
    try {
      return JSON.parse(bytes.toString("utf8")) as ReportDocument;
    } catch {
      throw invalidArgument(`"${key}" is not a report (it is not JSON)`);
    }
  }

  /**
   * Runs one read-only statement (SELECT, WITH, VALUES, SHOW, DESCRIBE, ...) on the
   * user's own database, with optional $parameters. Anything that would write,
   * attach, set, copy or load is refused before it runs (see CLASSIFY_STATEMENT_SQL).
   */
  async query(
    userId: string,
    sql: string,
    params: Record<string, unknown> = {},
    options: { maxRows?: number } = {},
  ): Promise<ReadOnlyQueryResult> {
    if (typeof sql !== "string" || sql.trim() === "")
      throw invalidArgument("sql must not be empty");
    for (const name of Object.keys(params)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        throw invalidArgument(`parameter name "${name}" must be letters, digits and "_"`);
      }
    }
    const maxRows = Math.min(options.maxRows ?? this.queryMaxRows, this.queryMaxRows);
    await this.storage.assertCaller(userId);
    const db = analyticsDatabaseId(userId);
    const duckdb = this.storage.duckdb;
    try {
      const { rows: parsed } = await duckdb.query<{ ast: string }>(db, CLASSIFY_STATEMENT_SQL, {
        sql,
      });
      assertSingleSelect(parsed[0]?.ast);
      // One row beyond the limit tells whether there were more.
      const result = await duckdb.query(db, sql, params, { maxRows: maxRows + 1 });
      const truncated = result.rows.length > maxRows;
      return {
        columns: result.columns.map((c) => ({ name: c.name, type: c.type })),
        rows: result.rows.slice(0, maxRows).map(toJsonRow),
        truncated,
        execution_time_ms: result.executionTimeMs,
      };
    } catch (err) {
      if (err instanceof NotFoundError) {
        throw notFound(
          "you have no analytics database yet: import a file (POST /api/v1/data/import) first",
        );
      }
      throw err;
    }
  }

  async #queryEvents(
    userId: string,
    sql: string,
    params: Record<string, unknown>,
  ): Promise<Record<string, unknown>[]> {
    const db = analyticsDatabaseId(userId);
    try {
      const { rows } = await this.storage.duckdb.query(db, sql, params);
      return rows;
    } catch (err) {
      if (await this.#eventsMissing(db, err)) {
        throw notFound(
          "no events imported yet: upload a file and import it (POST /api/v1/data/import) first",
        );
      }
      throw err;
    }
  }

  /** Whether a failed query failed because the database or its events table does not exist. */
  async #eventsMissing(db: string, err: unknown): Promise<boolean> {
    if (err instanceof NotFoundError) return true;
    if (!(err instanceof Error) || !err.message.includes(EVENTS_TABLE)) return false;
    try {
      await this.storage.duckdb.getTableSchema(db, EVENTS_TABLE);
      return false;
    } catch (schemaError) {
      if (schemaError instanceof NotFoundError) {
        this.#knownTables.delete(db);
        return true;
      }
      return false;
    }
  }

  async #ensureBucket(userId: string): Promise<void> {
    if (this.#knownBuckets.has(userId)) return;
    try {
      await this.storage.minio.createBucket(this.bucket);
    } catch (err) {
      if (!(err instanceof AlreadyExistsError)) throw err;
    }
    this.#knownBuckets.add(userId);
  }

  async #ensureEventsTable(db: string): Promise<void> {
    if (this.#knownTables.has(db)) return;
    try {
      await this.storage.duckdb.createDatabase(db);
    } catch (err) {
      if (!(err instanceof AlreadyExistsError)) throw err;
    }
    await this.storage.duckdb.execute(db, CREATE_EVENTS_TABLE_SQL);
    this.#knownTables.add(db);
  }

  async #put(userId: string, key: string, data: UserData, options: StoreOptions) {
    try {
      return await this.storage.minio.putObject(this.bucket, key, data, options);
    } catch (err) {
      // The bucket went away behind our back (deleted by another client): forget it.
      if (err instanceof NotFoundError) this.#knownBuckets.delete(userId);
      throw err;
    }
  }
}

function assertSingleSelect(ast: string | undefined): void {
  let parsed: {
    error?: boolean;
    error_type?: string;
    error_message?: string;
    statements?: unknown[];
  };
  try {
    parsed = JSON.parse(ast ?? "");
  } catch {
    throw invalidArgument("the statement could not be checked");
  }
  if (parsed.error) {
    if (parsed.error_type === "parser" || parsed.error_type === "syntax") {
      throw invalidArgument(`SQL syntax error: ${parsed.error_message ?? "cannot parse"}`);
    }
    throw invalidArgument(
      "only read-only queries (SELECT, WITH, VALUES, SHOW, DESCRIBE) are allowed here",
    );
  }
  if ((parsed.statements?.length ?? 0) !== 1) {
    throw invalidArgument("send exactly one statement");
  }
}
