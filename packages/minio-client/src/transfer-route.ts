import type { Agent } from "undici";
import { invalidArgument } from "./errors.js";
import type { TransferMode } from "./types.js";

const DEFAULT_THRESHOLD = 8 * 1024 * 1024;
/** S3's limit for one PUT: larger uploads stay on gRPC (multipart for putFile) in "auto". */
const MAX_SINGLE_PUT = 5 * 1024 * 1024 * 1024;
/** How long "auto" keeps to gRPC after a presigned URL could not be reached. */
const UNREACHABLE_BACKOFF_MS = 30_000;

/**
 * Which way object bytes go (MinioClientOptions `transfer`), and the HTTP connections of
 * the presigned path. One per client, shared by its `withToken` views.
 */
export class TransferRoute {
  readonly mode: TransferMode;
  readonly threshold: number;
  #agent: Promise<Agent> | undefined;
  #unreachableUntil = 0;

  constructor(mode: TransferMode = "auto", threshold = DEFAULT_THRESHOLD) {
    // A wrong option is a programming error, thrown as @isa-cloud/rpc's option checks do.
    if (mode !== "auto" && mode !== "grpc" && mode !== "http") {
      throw new TypeError(`transfer must be "auto", "grpc" or "http", got ${String(mode)}`);
    }
    if (!Number.isSafeInteger(threshold) || threshold < 0) {
      throw new TypeError(
        `transferThresholdBytes must be a whole number of bytes, got ${threshold}`,
      );
    }
    this.mode = mode;
    this.threshold = threshold;
  }

  /**
   * Keep-alive connections to the presigned endpoint, closed with the client. undici is
   * loaded on the first HTTP transfer: importing it costs a process about 65 ms, which
   * callers that never move a large object (the CLI's small commands) need not pay.
   */
  agent(): Promise<Agent> {
    this.#agent ??= import("undici").then(({ Agent }) => new Agent({ keepAliveTimeout: 30_000 }));
    return this.#agent;
  }

  /** Whether an upload of `size` bytes (undefined: unknown) tries presigned HTTP. */
  httpUpload(size: number | undefined, metadata: Record<string, string> | undefined): boolean {
    if (this.mode === "grpc") return false;
    const hasMetadata = metadata !== undefined && Object.keys(metadata).length > 0;
    if (this.mode === "http") {
      if (hasMetadata) {
        throw invalidArgument(
          "PutObject",
          'metadata cannot travel with a presigned HTTP upload (transfer: "http"); use transfer "auto" or "grpc" to store it',
        );
      }
      return true;
    }
    return !hasMetadata && size !== undefined && size <= MAX_SINGLE_PUT && this.#large(size);
  }

  /** Whether a download of `size` bytes tries presigned HTTP ("http" always does). */
  httpDownload(size: number): boolean {
    return this.mode === "http" || (this.mode === "auto" && this.#large(size));
  }

  /** The presigned endpoint could not be reached: "auto" stays on gRPC for a while. */
  markUnreachable(): void {
    this.#unreachableUntil = Date.now() + UNREACHABLE_BACKOFF_MS;
  }

  close(): void {
    void this.#agent?.then((agent) => agent.close());
  }

  #large(size: number): boolean {
    return size >= this.threshold && Date.now() >= this.#unreachableUntil;
  }
}
