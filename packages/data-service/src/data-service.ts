import { randomBytes } from "node:crypto";
import type { Readable } from "node:stream";
import type { DuckdbClient, QueryBatch } from "@isa-cloud/duckdb-client";
import type { MinioClient } from "@isa-cloud/minio-client";
import { AlreadyExistsError, NotFoundError } from "@isa-cloud/rpc/wire";
import { parseDateRange } from "./dates.js";
import { invalidArgument, notFound, permissionDenied } from "./errors.js";
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
import { ResultCache, type ResultCacheOptions, resultKey } from "./result-cache.js";
import {
  ANALYZE_BEHAVIOR_SQL,
  CREATE_EVENTS_TABLE_SQL,
  EVENT_COLUMNS,
  insertFromStagingSql,
} from "./sql.js";
import type { StorageService } from "./storage-service.js";

/**
 * Who the operations of a bound DataService act for: a user whose token the edge (the
 * HTTP API) has verified, and that token, which every service call then carries.
 */
export interface Caller {
  /** The token's subject. @example "alice" */
  userId: string;
  /** The bearer token itself, sent on every call made for this caller. */
  token: string;
}

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
  /**
   * Keeps analyzeUserBehavior's results per caller and period while the database is
   * unchanged (see result-cache.ts); `false` turns it off. Default: on, 10,000 results
   * or 32 MiB. @example { resultCache: false }
   */
  resultCache?: ResultCacheOptions | false;
}

/** What every view of one DataService shares: which buckets and tables exist, results. */
interface SharedState {
  knownBuckets: KnownSet;
  knownTables: KnownSet;
  results: ResultCache | undefined;
}

interface BoundCaller {
  userId: string;
  minio: MinioClient;
  duckdb: DuckdbClient;
}

interface Bound {
  shared: SharedState;
  caller: BoundCaller;
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
 * The guide's DataService: business operations over one StorageService. A DataService
 * is built once per process; `forCaller(caller)` gives the view that acts for one
 * verified caller, whose token every call carries. Methods take the user id first, as
 * the guide's do, and a user id other than the caller's is PermissionDeniedError, decided
 * here without a call: never a write into the caller's bucket or a report naming the
 * wrong user. Every operation raises the typed errors of @isa-cloud/rpc
 * (InvalidArgumentError, NotFoundError, ServiceUnavailableError, ...) instead of the
 * guide's `False`, `{}` and `''`, so the API can tell "bad date" from "service down".
 */
export class DataService {
  readonly storage: StorageService;
  readonly reports: ReportRegistry;
  readonly bucket: string;
  readonly queryMaxRows: number;
  readonly #options: DataServiceOptions;
  readonly #shared: SharedState;
  /** Set on the views `forCaller` makes; the root instance acts for nobody. */
  readonly #caller: BoundCaller | undefined;

  constructor(storage: StorageService, options?: DataServiceOptions);
  /** @internal the view `forCaller` makes: the root's state, one caller. */
  constructor(storage: StorageService, options: DataServiceOptions, bound: Bound);
  constructor(storage: StorageService, options: DataServiceOptions = {}, bound?: Bound) {
    this.storage = storage;
    this.#options = options;
    this.reports = options.reports ?? new ReportRegistry(defaultReportTypes());
    this.bucket = options.bucket ?? DEFAULT_USER_BUCKET;
    this.queryMaxRows = options.queryMaxRows ?? 10_000;
    this.#shared = bound?.shared ?? {
      knownBuckets: new KnownSet(),
      knownTables: new KnownSet(),
      results: options.resultCache === false ? undefined : new ResultCache(options.resultCache),
    };
    this.#caller = bound?.caller;
  }

  /**
   * This service acting for `caller`: its operations send the caller's token and accept
   * only the caller's user id. Cheap (shares connections and caches): make one per request.
   * @example const data = dataService.forCaller({ userId: identity.userId, token: identity.token });
   */
  forCaller(caller: Caller): DataService {
    const clients = this.storage.forToken(caller.token);
    return new DataService(
      this.storage,
      { ...this.#options, reports: this.reports },
      { shared: this.#shared, caller: { userId: caller.userId, ...clients } },
    );
  }

  /** The caller's clients once `userId` is known to be the caller's; nothing is sent. */
  #as(userId: string): BoundCaller {
    const caller = this.#caller;
    if (!caller) {
      throw new Error(
        "DataService acts for a caller: use dataService.forCaller({ userId, token }) per request",
      );
    }
    if (userId !== caller.userId) {
      throw permissionDenied(
        `user_id "${userId}" is not the caller's ("${caller.userId}"); act for yourself or send that user's token`,
      );
    }
    return caller;
  }

  /** Stores a file (bytes or a stream, never buffered whole) in the user's bucket. */
  async storeUserData(
    userId: string,
    fileName: string,
    data: UserData,
    options: StoreOptions = {},
  ): Promise<StoredFile> {
    const key = validateObjectKey(fileName);
    const caller = this.#as(userId);
    await this.#ensureBucket(caller);
    const result = await this.#put(caller, key, data, {
      ...options,
      contentType: options.contentType ?? contentTypeFor(key),
    });
    return { key, size: result.size, etag: result.etag };
  }

  /**
   * The user's files, in key order, at most `limit` entries (default and maximum 1,000).
   * With a `delimiter`, keys that share a prefix up to it are rolled up into `prefixes`
   * (S3's common prefixes), which count towards `limit` like files.
   */
  async listUserFiles(
    userId: string,
    options: { prefix?: string; startAfter?: string; limit?: number; delimiter?: string } = {},
  ): Promise<{ files: FileInfo[]; prefixes: string[]; truncated: boolean }> {
    const limit = Math.min(options.limit ?? 1000, 1000);
    const caller = this.#as(userId);
    const files: FileInfo[] = [];
    const prefixes: string[] = [];
    let truncated = false;
    try {
      const listing = caller.minio.listObjects(this.bucket, {
        recursive: !options.delimiter,
        pageSize: Math.min(limit + 1, 1000),
        ...(options.delimiter ? { delimiter: options.delimiter } : {}),
        ...(options.prefix ? { prefix: options.prefix } : {}),
        ...(options.startAfter ? { startAfter: options.startAfter } : {}),
      });
      for await (const entry of listing) {
        if (files.length + prefixes.length === limit) {
          truncated = true;
          break;
        }
        if (!("key" in entry)) {
          prefixes.push(entry.prefix);
          continue;
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
        this.#shared.knownBuckets.delete(userId);
        return { files: [], prefixes: [], truncated: false };
      }
      throw err;
    }
    return { files, prefixes, truncated };
  }

  /**
   * A stored file's info and a stream of its bytes, or of `length` bytes from `offset`
   * (a range read: `info.size` stays the whole file's size).
   */
  async openUserFile(
    userId: string,
    fileName: string,
    options: { signal?: AbortSignal; offset?: number; length?: number } = {},
  ): Promise<{ info: FileInfo; stream: Readable }> {
    const key = validateObjectKey(fileName);
    const caller = this.#as(userId);
    const { info, stream } = await caller.minio.getObjectStream(this.bucket, key, options);
    return { info: fileInfo(info), stream };
  }

  /** A stored file's info (size, etag, content type, last modified) without its bytes. */
  async statUserFile(userId: string, fileName: string): Promise<FileInfo> {
    const key = validateObjectKey(fileName);
    const caller = this.#as(userId);
    return fileInfo(await caller.minio.statObject(this.bucket, key));
  }

  /** Deletes a stored file; NotFoundError when there is none. */
  async deleteUserFile(userId: string, fileName: string): Promise<void> {
    const key = validateObjectKey(fileName);
    const caller = this.#as(userId);
    // statObject first: deleting a missing key is silently fine in S3, but a caller
    // deleting a file that is not there has the wrong name and should hear so.
    await caller.minio.statObject(this.bucket, key);
    await caller.minio.deleteObject(this.bucket, key);
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
    const caller = this.#as(userId);
    const db = analyticsDatabaseId(userId);
    await this.#ensureEventsTable(caller.duckdb, db);
    // The file goes into its own table first (DuckDB infers its columns), then into
    // user_events by column name with explicit casts: column order in the file and
    // extra columns do not matter, and bad values fail before anything is added.
    const staging = `import_${randomBytes(8).toString("hex")}`;
    const duckdb = caller.duckdb;
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
    const caller = this.#as(userId);
    const results = this.#shared.results;
    const db = analyticsDatabaseId(caller.userId);
    const key = resultKey(caller.userId, db, "analyzeUserBehavior", start, end);
    // Read before the query: a write finishing after this moves the version past it.
    const version = results ? await this.#changeVersion(caller, db) : undefined;
    const cached = results?.get<BehaviorAnalysis>(key, version);
    if (cached) return cached;
    const rows = await this.#queryEvents(caller, ANALYZE_BEHAVIOR_SQL, { start, end });
    const analysis: BehaviorAnalysis = {
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
    return results ? results.set(key, version, analysis) : analysis;
  }

  /**
   * The database's change version, or undefined (nothing is cached) when there is none:
   * a service that does not track changes, or no database yet, whose error the query
   * itself then reports.
   */
  async #changeVersion(caller: BoundCaller, db: string): Promise<string | undefined> {
    try {
      return await caller.duckdb.changeVersion(db);
    } catch {
      return undefined;
    }
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
    const caller = this.#as(userId);
    const rows = (await this.#queryEvents(caller, sql, bound)).map(toJsonRow);
    const report: ReportDocument = {
      report_type: type.name,
      generated_at: new Date().toISOString(),
      user_id: userId,
      parameters: params,
      data: type.format ? type.format(rows, params) : rows,
    };
    await this.#ensureBucket(caller);
    await this.#put(caller, key, JSON.stringify(report), { contentType: "application/json" });
    return key;
  }

  /** A stored report, by its key (`reports/...`) or its name under `reports/`. */
  async getReport(userId: string, keyOrName: string): Promise<ReportDocument> {
    const key = validateObjectKey(
      keyOrName.startsWith(REPORTS_PREFIX) ? keyOrName : `${REPORTS_PREFIX}${keyOrName}`,
      "report key",
    );
    const caller = this.#as(userId);
    const bytes = await caller.minio.getObject(this.bucket, key);
    try {
      return JSON.parse(bytes.toString("utf8")) as ReportDocument;
    } catch {
      throw invalidArgument(`"${key}" is not a report (it is not JSON)`);
    }
  }

  /**
   * Runs one read-only statement (SELECT, WITH, VALUES, SHOW, DESCRIBE, ...) on the
   * user's own database, with optional $parameters. Anything that would write,
   * attach, set, copy or load is refused by the analytics service before it runs
   * (ExecuteQueryRequest.read_only).
   */
  async query(
    userId: string,
    sql: string,
    params: Record<string, unknown> = {},
    options: { maxRows?: number } = {},
  ): Promise<ReadOnlyQueryResult> {
    if (typeof sql !== "string" || sql.trim() === "")
      throw invalidArgument("sql must not be empty");
    checkParameterNames(params);
    const maxRows = Math.min(options.maxRows ?? this.queryMaxRows, this.queryMaxRows);
    const caller = this.#as(userId);
    const db = analyticsDatabaseId(userId);
    const duckdb = caller.duckdb;
    try {
      // The analytics service classifies the statement itself (read_only) and refuses
      // anything that would write; one row beyond the limit tells whether there were more.
      const result = await duckdb.query(db, sql, params, { maxRows: maxRows + 1, readOnly: true });
      const truncated = result.rows.length > maxRows;
      return {
        columns: result.columns.map((c) => ({ name: c.name, type: c.type })),
        rows: result.rows.slice(0, maxRows).map(toJsonRow),
        truncated,
        execution_time_ms: result.executionTimeMs,
      };
    } catch (err) {
      if (err instanceof NotFoundError) throw noDatabase();
      throw err;
    }
  }

  /**
   * `query` without a row limit, streamed: the result's chunks as the analytics service
   * sends them (with flow control, so a slow reader slows the query, never fills memory).
   * Same read-only rule and errors as `query`; leaving the loop or aborting `signal`
   * stops the query.
   */
  async *queryBatches(
    userId: string,
    sql: string,
    params: Record<string, unknown> = {},
    options: { signal?: AbortSignal; maxRows?: number } = {},
  ): AsyncGenerator<QueryBatch<Record<string, unknown>>, void, undefined> {
    if (typeof sql !== "string" || sql.trim() === "")
      throw invalidArgument("sql must not be empty");
    checkParameterNames(params);
    const caller = this.#as(userId);
    const stream = caller.duckdb.queryStream(analyticsDatabaseId(userId), sql, params, {
      readOnly: true,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.maxRows ? { maxRows: options.maxRows } : {}),
    });
    try {
      yield* stream.batches();
    } catch (err) {
      if (err instanceof NotFoundError) throw noDatabase();
      throw err;
    }
  }

  async #queryEvents(
    caller: BoundCaller,
    sql: string,
    params: Record<string, unknown>,
  ): Promise<Record<string, unknown>[]> {
    const db = analyticsDatabaseId(caller.userId);
    try {
      const { rows } = await caller.duckdb.query(db, sql, params);
      return rows;
    } catch (err) {
      if (await this.#eventsMissing(caller.duckdb, db, err)) {
        throw notFound(
          "no events imported yet: upload a file and import it (POST /api/v1/data/import) first",
        );
      }
      throw err;
    }
  }

  /** Whether a failed query failed because the database or its events table does not exist. */
  async #eventsMissing(duckdb: DuckdbClient, db: string, err: unknown): Promise<boolean> {
    if (err instanceof NotFoundError) return true;
    if (!(err instanceof Error) || !err.message.includes(EVENTS_TABLE)) return false;
    try {
      await duckdb.getTableSchema(db, EVENTS_TABLE);
      return false;
    } catch (schemaError) {
      if (schemaError instanceof NotFoundError) {
        this.#shared.knownTables.delete(db);
        return true;
      }
      return false;
    }
  }

  async #ensureBucket(caller: BoundCaller): Promise<void> {
    if (this.#shared.knownBuckets.has(caller.userId)) return;
    try {
      await caller.minio.createBucket(this.bucket);
    } catch (err) {
      if (!(err instanceof AlreadyExistsError)) throw err;
    }
    this.#shared.knownBuckets.add(caller.userId);
  }

  async #ensureEventsTable(duckdb: DuckdbClient, db: string): Promise<void> {
    if (this.#shared.knownTables.has(db)) return;
    try {
      await duckdb.createDatabase(db);
    } catch (err) {
      if (!(err instanceof AlreadyExistsError)) throw err;
    }
    await duckdb.execute(db, CREATE_EVENTS_TABLE_SQL);
    this.#shared.knownTables.add(db);
  }

  async #put(caller: BoundCaller, key: string, data: UserData, options: StoreOptions) {
    try {
      return await caller.minio.putObject(this.bucket, key, data, options);
    } catch (err) {
      // The bucket went away behind our back (deleted by another client): forget it.
      if (err instanceof NotFoundError) this.#shared.knownBuckets.delete(caller.userId);
      throw err;
    }
  }
}

function fileInfo(info: FileInfo): FileInfo {
  return {
    key: info.key,
    size: info.size,
    etag: info.etag,
    contentType: info.contentType,
    lastModified: info.lastModified,
  };
}

function checkParameterNames(params: Record<string, unknown>): void {
  for (const name of Object.keys(params)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw invalidArgument(`parameter name "${name}" must be letters, digits and "_"`);
    }
  }
}

function noDatabase() {
  return notFound(
    "you have no analytics database yet: import a file (POST /api/v1/data/import) first",
  );
}
