/**
 * The etcd key schema of the analytics tier, in one place (the README's "Key schema"
 * table is written from it). Values are UTF-8.
 */
export const ROOT = "/isa/analytics/";

/** `<NODES><nodeId>` = JSON `{ "address": "host:port" }`, under the node's lease. */
export const NODES_PREFIX = `${ROOT}nodes/`;

/** `<OWNERS><encodeURIComponent(owner)>` = nodeId, under the owning node's lease. */
export const OWNERS_PREFIX = `${ROOT}owners/`;

/**
 * Reserved for part 2 (fenced checkpoint generations): `<GENERATIONS><owner>/...` names the
 * current checkpoint generation of a database, moved only by a compare-and-swap
 * conditioned on `<OWNERS><owner>` still holding this node's id under its current lease.
 * Nothing in this package writes here.
 */
export const GENERATIONS_PREFIX = `${ROOT}generations/`;

export const nodeKey = (nodeId: string): string => `${NODES_PREFIX}${encodeURIComponent(nodeId)}`;

export const ownerKey = (owner: string): string => `${OWNERS_PREFIX}${encodeURIComponent(owner)}`;

/** The owner or node a key under `prefix` names; undefined for a key outside it. */
export function nameOf(prefix: string, key: string): string | undefined {
  return key.startsWith(prefix) ? decodeURIComponent(key.slice(prefix.length)) : undefined;
}
