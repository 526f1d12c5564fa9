import type { Readable } from "node:stream";
import type { QueryBatch } from "@isa-cloud/duckdb-client";
import * as analyses from "./analyses.js";
import type { BoundCaller, CallerContext, SharedState } from "./caller-context.js";
import { ChangeVersionReads } from "./change-version-reads.js";
import { importUserData } from "./event-import.js";
import type { ImportFormat } from "./formats.js";
import { KnownSet } from "./known-set.js";
import { DEFAULT_USER_BUCKET } from "./names.js";
import * as readOnly from "./read-only-query.js";
import { ReportRegistry } from "./report-registry.js";
import { defaultReportTypes } from "./report-types.js";
import { ResultCache } from "./result-cache.js";
import type {
  BehaviorAnalysis,
  Caller,
  DataServiceOptions,
  FileInfo,
  ReadOnlyQueryResult,
  ReportDocument,
  StoredFile,
  StoreOptions,
  UserData,
} from "./service-types.js";
import type { StorageService } from "./storage-service.js";
import * as files from "./user-files.js";

interface Bound {
  shared: SharedState;
  caller: BoundCaller;
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
 *
 * The operations are written in one file per concern (user-files.ts, event-import.ts,
 * analyses.ts, read-only-query.ts) as functions of a CallerContext (caller-context.ts);
 * this class holds that context and is the public face.
 */
export class DataService {
  readonly storage: StorageService;
  readonly reports: ReportRegistry;
  readonly bucket: string;
  readonly queryMaxRows: number;
  readonly #options: DataServiceOptions;
  readonly #shared: SharedState;
  readonly #ctx: CallerContext;

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
      ...(options.resultCache === false
        ? { results: undefined, versionReads: undefined }
        : {
            results: new ResultCache(options.resultCache),
            versionReads: new ChangeVersionReads(),
          }),
    };
    this.#ctx = {
      bucket: this.bucket,
      reports: this.reports,
      queryMaxRows: this.queryMaxRows,
      shared: this.#shared,
      caller: bound?.caller,
    };
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
      { shared: this.#shared, caller: { userId: caller.userId, token: caller.token, ...clients } },
    );
  }

  // ---- files (user-files.ts)

  /** Stores a file (bytes or a stream, never buffered whole) in the user's bucket. */
  storeUserData(
    userId: string,
    fileName: string,
    data: UserData,
    options: StoreOptions = {},
  ): Promise<StoredFile> {
    return files.storeUserData(this.#ctx, userId, fileName, data, options);
  }

  /**
   * The user's files, in key order, at most `limit` entries (default and maximum 1,000).
   * With a `delimiter`, keys that share a prefix up to it are rolled up into `prefixes`
   * (S3's common prefixes), which count towards `limit` like files.
   */
  listUserFiles(
    userId: string,
    options: { prefix?: string; startAfter?: string; limit?: number; delimiter?: string } = {},
  ): Promise<{ files: FileInfo[]; prefixes: string[]; truncated: boolean }> {
    return files.listUserFiles(this.#ctx, userId, options);
  }

  /**
   * A stored file's info and a stream of its bytes, or of `length` bytes from `offset`
   * (a range read: `info.size` stays the whole file's size).
   */
  openUserFile(
    userId: string,
    fileName: string,
    options: { signal?: AbortSignal; offset?: number; length?: number } = {},
  ): Promise<{ info: FileInfo; stream: Readable }> {
    return files.openUserFile(this.#ctx, userId, fileName, options);
  }

  /** A stored file's info (size, etag, content type, last modified) without its bytes. */
  statUserFile(userId: string, fileName: string): Promise<FileInfo> {
    return files.statUserFile(this.#ctx, userId, fileName);
  }

  /** Deletes a stored file; NotFoundError when there is none. */
  deleteUserFile(userId: string, fileName: string): Promise<void> {
    return files.deleteUserFile(this.#ctx, userId, fileName);
  }

  // ---- import (event-import.ts)

  /**
   * Loads a stored CSV, JSON or Parquet file into the user's `user_events` table; see
   * event-import.ts for the columns it needs.
   */
  importUserData(
    userId: string,
    fileName: string,
    options: { format?: string } = {},
  ): Promise<{ table: string; rowsImported: number; format: ImportFormat }> {
    return importUserData(this.#ctx, userId, fileName, options);
  }

  // ---- analyses and reports (analyses.ts)

  /**
   * The guide's analysis: per event type, how many events and their average duration
   * between two dates (inclusive, YYYY-MM-DD), most frequent first.
   */
  analyzeUserBehavior(
    userId: string,
    startDate: string,
    endDate: string,
  ): Promise<BehaviorAnalysis> {
    return analyses.analyzeUserBehavior(this.#ctx, userId, startDate, endDate);
  }

  /**
   * Runs a registered report over the user's events, stores it as JSON in the
   * user's bucket under `reports/` and returns its key.
   */
  generateReport(
    userId: string,
    reportType: string,
    parameters: Record<string, unknown> = {},
  ): Promise<string> {
    return analyses.generateReport(this.#ctx, userId, reportType, parameters);
  }

  /** A stored report, by its key (`reports/...`) or its name under `reports/`. */
  getReport(userId: string, keyOrName: string): Promise<ReportDocument> {
    return analyses.getReport(this.#ctx, userId, keyOrName);
  }

  // ---- read-only SQL (read-only-query.ts)

  /**
   * Runs one read-only statement (SELECT, WITH, VALUES, SHOW, DESCRIBE, ...) on the
   * user's own database, with optional $parameters; anything that would write is
   * refused by the analytics service before it runs.
   */
  query(
    userId: string,
    sql: string,
    params: Record<string, unknown> = {},
    options: { maxRows?: number } = {},
  ): Promise<ReadOnlyQueryResult> {
    return readOnly.query(this.#ctx, userId, sql, params, options);
  }

  /**
   * `query` without a row limit, streamed: the result's chunks as the analytics service
   * sends them (with flow control). Leaving the loop or aborting `signal` stops the query.
   */
  queryBatches(
    userId: string,
    sql: string,
    params: Record<string, unknown> = {},
    options: { signal?: AbortSignal; maxRows?: number } = {},
  ): AsyncGenerator<QueryBatch<Record<string, unknown>>, void, undefined> {
    return readOnly.queryBatches(this.#ctx, userId, sql, params, options);
  }
}
