import { DuckdbClient } from "@isa-cloud/duckdb-client";
import { MinioClient } from "@isa-cloud/minio-client";
import { type ClientOptions, createIsaClient, type IsaClient } from "@isa-cloud/rpc/client";
import { HealthDefinition } from "nice-grpc-server-health";

export interface StorageServiceOptions {
  /** The storage service, "host:port" (or several for a pool across replicas). @example "localhost:50051" */
  minioAddress: string | string[];
  /** The analytics service, "host:port". @example "localhost:50052" */
  duckdbAddress: string | string[];
  /**
   * Token of the calls this service's own clients make (a CLI or a job acting as one
   * user). `forToken(token)` gives clients that act for someone else. Default: none, and
   * such calls fail with UnauthenticatedError.
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

/** The two clients, acting for one caller. */
export interface CallerClients {
  minio: MinioClient;
  duckdb: DuckdbClient;
}

/**
 * The guide's unified StorageService: the storage and analytics clients behind one
 * object with one lifetime. Both clients are built once, with `options.token`;
 * `forToken(token)` gives views of them that send another caller's token.
 */
export class StorageService {
  readonly minio: MinioClient;
  readonly duckdb: DuckdbClient;
  readonly #health: {
    storage: IsaClient<typeof HealthDefinition>;
    analytics: IsaClient<typeof HealthDefinition>;
  };

  constructor(options: StorageServiceOptions) {
    const common: Omit<ClientOptions, "address"> = {};
    if (options.token !== undefined) common.token = options.token;
    if (options.poolSize !== undefined) common.poolSize = options.poolSize;
    if (options.defaultDeadlineMs !== undefined)
      common.defaultDeadlineMs = options.defaultDeadlineMs;
    if (options.channelOptions !== undefined) common.channelOptions = options.channelOptions;
    this.minio = new MinioClient({ ...common, address: options.minioAddress });
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

  /** Both clients acting for the caller whose token is `token`; same connections. */
  forToken(token: string): CallerClients {
    return { minio: this.minio.withToken(token), duckdb: this.duckdb.withToken(token) };
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
  analyzeData<T = Record<string, unknown>>(
    dbId: string,
    userId: string | undefined,
    query: string,
    params?: Record<string, unknown>,
  ): Promise<T[]> {
    return this.duckdb.analyzeData(dbId, userId, query, params) as Promise<T[]>;
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
  }
}
