import type { ReportRegistry } from "./report-registry.js";
import type { ResultCacheOptions } from "./result-cache.js";

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
