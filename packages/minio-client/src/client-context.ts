import type { MinioRpc } from "./rpc-types.js";
import type { TransferRoute } from "./transfer-route.js";
import type { CallOptions } from "./types.js";

/**
 * What the operations share, one per MinioClient: they are plain functions of it, so
 * each concern sits in its own file (buckets.ts, objects.ts, object-transfer.ts,
 * presign.ts) and the class only delegates.
 */
export interface ClientContext {
  readonly rpc: MinioRpc;
  /** Bytes per upload message (see rpc-types.ts, chunkSizeFor). */
  readonly chunkSize: number;
  /** gRPC stream or presigned HTTP for object bytes, and the HTTP connections. */
  readonly transfer: TransferRoute;
}

/**
 * Only what the caller set: an absent deadline leaves @isa-cloud/rpc's default,
 * which is `defaultDeadlineMs` for unary calls and none for streams (the object
 * transfers), whose length grows with the object.
 */
export function callOptions(opts: CallOptions | undefined): CallOptions {
  return {
    ...(opts?.signal ? { signal: opts.signal } : {}),
    ...(opts?.deadline !== undefined ? { deadline: opts.deadline } : {}),
  };
}
