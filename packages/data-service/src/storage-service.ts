import { DuckdbClient } from "@isa-cloud/duckdb-client";
import { MinioClient } from "@isa-cloud/minio-client";
import { MinIOServiceDefinition } from "@isa-cloud/proto";
import {
  type ClientOptions,
  callerToken,
  createIsaClient,
  type IsaClient,
  runWithCallerToken,
} from "@isa-cloud/rpc";
import { HealthDefinition } from "nice-grpc-server-health";
import { KnownSet } from "./known-set.js";

export interface StorageServiceOptions {
  /** The storage service, "host:port" (or several for a pool across replicas). @example "localhost:50051" */
  minioAddress: string | string[];
  /** The analytics service, "host:port". @example "localhost:50052" */
  duckdbAddress: string | string[];
  /**
   * Token for calls made outside `withToken` (a CLI or a job acting as one user).
   * Default: none, and such calls fail with UnauthenticatedError.
   * @example { token: () => tokens.current() }
   */
  token?: string | (() => string | Promise<string>);
  /** Connections per address of each client. Default 1. @example { poolSize: 4 } */
  poolSize?: number;
  /** Deadline of calls that move no object bytes, in ms. Default 30,000. @example { defaultDeadlineMs: 5_000 } */
  defaultDeadlineMs?: number;
  /** gRPC channel options passed to both clients. Default: none. @example { "grpc.initial_reconnect_backoff_ms": 200 } */
  channelOptions?: Record<string, unknown>;
}

/** One service's answer to a readiness probe. */
export interface ServiceHealth {
  /** "SERVING", "NOT_SERVING" (up but shutting down or not ready) or "UNREACHABLE". */
  status: "SERVING" | "NOT_SERVING" | "UNREACHABLE";
  /** Why it is not serving, when known. */
  error?: string;
}

/** grpc.health.v1's SERVING. */
const SERVING = 1;

/**
 * The guide's unified StorageService: the storage and analytics clients behind one
 * object with one lifetime. Both clients are built once; the token of each call is
 * the one given to `withToken` around it (the caller token of @isa-cloud/rpc), else
 * `options.token`.
 */
export class StorageService {
  readonly minio: MinioClient;
  readonly duckdb: DuckdbClient;
  readonly #health: {
    storage: IsaClient<typeof HealthDefinition>;
    analytics: IsaClient<typeof HealthDefinition>;
  };
  /** For the one call MinioClient can't make: ListBuckets carrying a user_id. */
  readonly #storageRpc: IsaClient<typeof MinIOServiceDefinition>;
  readonly #token: () => Promise<string>;
  /** "token NUL userId" pairs the storage service has accepted. */
  readonly #verifiedCallers = new KnownSet();

  constructor(options: StorageServiceOptions) {
    const fallback = options.token;
    const token = async (): Promise<string> => {
      const scoped = callerToken();
      if (scoped !== undefined) return scoped;
      if (typeof fallback === "function") return fallback();
      // An empty token makes the service answer UNAUTHENTICATED, which names the problem.
      return fallback ?? "";
    };
    const common: Omit<ClientOptions, "address"> = { token };
    if (options.poolSize !== undefined) common.poolSize = options.poolSize;
    if (options.defaultDeadlineMs !== undefined)
      common.defaultDeadlineMs = options.defaultDeadlineMs;
    if (options.channelOptions !== undefined) common.channelOptions = options.channelOptions;
    this.#token = token;
    this.minio = new MinioClient({ ...common, address: options.minioAddress });
    this.#storageRpc = createIsaClient(MinIOServiceDefinition, {
      ...common,
      address: options.minioAddress,
      poolSize: 1,
    });
    this.duckdb = new DuckdbClient({ ...common, address: options.duckdbAddress });
    // Readiness uses the standard grpc.health.v1 service both servers run: it needs no
    // token, and a probe must not be retried into a slow answer.
    const probe = { retry: false as const, defaultDeadlineMs: 2_000 };
    this.#health = {
      storage: createIsaClient(HealthDefinition, { ...probe, address: options.minioAddress }),
      analytics: createIsaClient(HealthDefinition, { ...probe, address: options.duckdbAddress }),
    };
  }

  /** Asks both services whether they serve; never throws. */
  async health(): Promise<{ storage: ServiceHealth; analytics: ServiceHealth }> {
    const check = async (client: IsaClient<typeof HealthDefinition>): Promise<ServiceHealth> => {
      try {
        const { status } = await client.check({ service: "" });
        return status === SERVING ? { status: "SERVING" } : { status: "NOT_SERVING" };
      } catch (err) {
        return { status: "UNREACHABLE", error: err instanceof Error ? err.message : String(err) };
      }
    };
    const [storage, analytics] = await Promise.all([
      check(this.#health.storage),
      check(this.#health.analytics),
    ]);
    return { storage, analytics };
  }

  /** Runs `fn` with `token` as the bearer token of every call it makes through this service. */
  withToken<T>(token: string, fn: () => T): T {
    return runWithCallerToken(token, fn);
  }

  /**
   * Sends `userId` as a request's user_id to the storage service, which answers
   * PermissionDeniedError unless it is the user of the calls' token (in trust-user-id
   * mode, without a token, it establishes that user). An accepted token and user id
   * pair is remembered: the token alone decides identity, so the answer can't change.
   */
  async assertCaller(userId: string): Promise<void> {
    const token = await this.#token();
    const pair = `${token}\u0000${userId}`;
    if (this.#verifiedCallers.has(pair)) return;
    // The prefix keeps the answer small: only whether the call is allowed matters.
    await this.#storageRpc.listBuckets({ userId, organizationId: "", prefix: "\u0000" });
    this.#verifiedCallers.add(pair);
  }

  /** The guide's upload_file: stores `data` under bucket/key; true once stored (errors throw). */
  uploadFile(bucket: string, key: string, data: Buffer | Uint8Array | string, userId?: string) {
    return this.minio.uploadFile(bucket, key, data, userId);
  }

  /** The guide's download_file. */
  downloadFile(bucket: string, key: string, userId?: string): Promise<Buffer> {
    return this.minio.downloadFile(bucket, key, userId);
  }

  /**
   * The guide's `analyze_data(db_id, user_id, query)`, plus optional bound parameters
   * (`params` fill the query's $names, so values never become SQL text). A non-empty
   * `userId` goes to the services as the request's user_id: another user's than the
   * token's is PermissionDeniedError.
   */
  async analyzeData<T = Record<string, unknown>>(
    dbId: string,
    userId: string | undefined,
    query: string,
    params?: Record<string, unknown>,
  ): Promise<T[]> {
    if (params === undefined) return this.duckdb.analyzeData(dbId, userId, query) as Promise<T[]>;
    if (userId) await this.assertCaller(userId);
    const { rows } = await this.duckdb.query<T>(dbId, query, params);
    return rows;
  }

  /** The guide's import_from_storage; returns the number of rows imported. */
  async importFromStorage(
    dbId: string,
    table: string,
    bucket: string,
    key: string,
    format: "csv" | "parquet" | "json" = "parquet",
  ): Promise<number> {
    const { rowsImported } = await this.duckdb.importFromStorage(dbId, table, bucket, key, {
      format,
      createTable: true,
    });
    return rowsImported;
  }

  /** Closes both clients' connections. */
  close(): void {
    this.minio.close();
    this.duckdb.close();
    this.#health.storage.close();
    this.#health.analytics.close();
    this.#storageRpc.close();
  }
}
