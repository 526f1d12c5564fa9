import type { MinIOServiceDefinition } from "@isa-cloud/proto";
import type { IsaClient } from "@isa-cloud/rpc/client";

/** The generated MinIOService client, behind @isa-cloud/rpc's middleware. */
export type MinioRpc = IsaClient<MinIOServiceDefinition>;

/** Bytes per upload message: the integration guide's size. */
export const CHUNK_SIZE = 1024 * 1024;

/**
 * The chunk size that fits a client configured for smaller messages (and so,
 * presumably, a service with that limit): a chunk message is its bytes plus a few
 * bytes of framing.
 */
export function chunkSizeFor(maxMessageBytes: number | undefined): number {
  if (maxMessageBytes === undefined) return CHUNK_SIZE;
  return Math.min(CHUNK_SIZE, Math.max(1024, maxMessageBytes - 1024));
}
