/** Who holds an owner key, as etcd last said: the node and the lease the key lives under. */
export interface Holder {
  nodeId: string;
  lease: string;
  /** The key's mod_revision, so an older watch event never overwrites a newer answer. */
  revision: bigint;
}

/** This node: its id and its current lease (undefined while fenced, between two leases). */
export interface Self {
  nodeId: string;
  lease: string | undefined;
}

export type Decision =
  | { action: "serve" }
  | { action: "acquire" }
  | { action: "forward"; nodeId: string }
  | { action: "refuse"; reason: string };

/**
 * What a node does with a call for an owner whose key is `holder` (undefined: no live
 * key). The rule that keeps one owner in one process cluster-wide and makes loops
 * impossible: serve only under this node's current lease; claim a free owner; forward a
 * call to the holder only if it was not already forwarded once.
 */
export function decide(holder: Holder | undefined, self: Self, forwarded: boolean): Decision {
  if (self.lease === undefined) {
    return {
      action: "refuse",
      reason: `analytics node ${self.nodeId} lost its etcd lease and is registering again; retry`,
    };
  }
  // A key of this node under an older lease dies with that lease: claim the owner afresh.
  if (holder === undefined || (holder.nodeId === self.nodeId && holder.lease !== self.lease)) {
    return { action: "acquire" };
  }
  if (holder.nodeId === self.nodeId) return { action: "serve" };
  if (forwarded) {
    return {
      action: "refuse",
      reason: `this owner moved to analytics node ${holder.nodeId} while the call was being forwarded; retry`,
    };
  }
  return { action: "forward", nodeId: holder.nodeId };
}
