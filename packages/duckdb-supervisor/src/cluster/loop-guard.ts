import type { Metadata } from "@grpc/grpc-js";

/**
 * Set on every call one node forwards to another, to the forwarding node's id. A node
 * never forwards a call that carries it: a call reaching a node that does not own its
 * owner (the map moved while it travelled) is answered UNAVAILABLE and the client
 * retries from the start, so no call can bounce between nodes.
 */
export const FORWARDED_HEADER = "x-isa-forwarded-by";

export function forwardedBy(metadata: Metadata): string | undefined {
  const value = metadata.get(FORWARDED_HEADER)[0];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Marks `metadata` (a copy for the next hop) as forwarded by `nodeId`. */
export function markForwarded(metadata: Metadata, nodeId: string): Metadata {
  metadata.set(FORWARDED_HEADER, nodeId);
  return metadata;
}
