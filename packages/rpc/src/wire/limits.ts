/** gRPC's own default receive limit is 4 MiB; ours leaves room for 4 MiB chunks plus framing. */
export const DEFAULT_MAX_MESSAGE_BYTES = 8 * 1024 * 1024;
