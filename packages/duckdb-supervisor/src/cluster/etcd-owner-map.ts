import type { Etcd3, IKeyValue, Watcher } from "etcd3";
import type { Logger } from "pino";
import { LocalOwnerMap, type OwnerMap, type Placement } from "../owner-map.js";
import { NODES_PREFIX, nameOf, OWNERS_PREFIX, ownerKey } from "./keys.js";
import { decide, type Holder } from "./placement-rule.js";

export interface EtcdOwnerMapOptions {
  client: Etcd3;
  nodeId: string;
  /** This node's worker count: owners it holds are spread over them by a `LocalOwnerMap`. */
  workers: number;
  logger: Logger;
}

/**
 * The cluster-wide owner map. An owner belongs to the node whose id is the value of
 * `/isa/analytics/owners/<owner>`, a key created only by a transaction that requires it
 * to be absent (`create_revision == 0`) and put under the creating node's lease: at most
 * one node holds an owner, and a dead node's owners are free once its lease expires.
 *
 * Owner and node keys are mirrored in memory (a range read, then a watch from the next
 * revision), so routing a call costs no etcd round trip; only claiming a free owner does.
 * The mirror may lag: a call forwarded to a node that just lost an owner is refused there
 * (loop guard) and retried by the client; a claim always asks etcd itself.
 */
export class EtcdOwnerMap implements OwnerMap {
  private readonly holders = new Map<string, Holder>();
  private readonly nodes = new Map<string, { address: string; revision: bigint }>();
  private readonly claims = new Map<string, Promise<void>>();
  private readonly watchers: Watcher[] = [];
  private local: LocalOwnerMap;
  private lease: string | undefined;

  constructor(private readonly opts: EtcdOwnerMapOptions) {
    this.local = new LocalOwnerMap(opts.workers);
  }

  /** Loads both prefixes and starts watching them. */
  async start(): Promise<void> {
    await this.mirror(OWNERS_PREFIX, (name, kv, deleted) => this.applyOwner(name, kv, deleted));
    await this.mirror(NODES_PREFIX, (name, kv, deleted) => this.applyNode(name, kv, deleted));
  }

  /**
   * Starts a tenure under `lease`, or ends one (undefined): this node's holdings are
   * forgotten at once and its workers are reassigned from scratch in the next tenure.
   */
  setLease(lease: string | undefined): void {
    this.lease = lease;
    if (lease !== undefined) return;
    for (const [owner, holder] of this.holders) {
      if (holder.nodeId === this.opts.nodeId) this.holders.delete(owner);
    }
    this.local = new LocalOwnerMap(this.opts.workers);
  }

  async placeOf(owner: string, call: { forwarded: boolean }): Promise<Placement> {
    // A call naming no owner (tokenless HealthCheck, reflection) touches no database:
    // any worker of any node may answer it, so it is never claimed nor forwarded.
    if (owner === "") return { kind: "local", worker: this.local.workerFor("") };
    const self = { nodeId: this.opts.nodeId, lease: this.lease };
    let decision = decide(this.holders.get(owner), self, call.forwarded);
    if (decision.action === "acquire") {
      await this.claim(owner);
      decision = decide(this.holders.get(owner), self, call.forwarded);
    }
    switch (decision.action) {
      case "serve":
        return { kind: "local", worker: this.local.workerFor(owner) };
      case "forward": {
        const node = this.nodes.get(decision.nodeId);
        if (!node) {
          throw new Error(
            `analytics node ${decision.nodeId} owns this data but is not registered; retry`,
          );
        }
        return { kind: "remote", nodeId: decision.nodeId, address: node.address };
      }
      case "acquire":
        throw new Error("the owner of this data is changing; retry");
      case "refuse":
        throw new Error(decision.reason);
    }
  }

  owners(): readonly number[] {
    return this.local.owners();
  }

  /** Owner -> node id of every live owner key, for stats and tests. */
  holdings(): Map<string, string> {
    return new Map([...this.holders].map(([owner, h]) => [owner, h.nodeId]));
  }

  async close(): Promise<void> {
    await Promise.all(this.watchers.map((w) => w.cancel()));
  }

  /** Creates the owner key under this node's lease unless one exists; notes who holds it. */
  private claim(owner: string): Promise<void> {
    let pending = this.claims.get(owner);
    if (!pending) {
      pending = this.transact(owner).finally(() => this.claims.delete(owner));
      this.claims.set(owner, pending);
    }
    return pending;
  }

  private async transact(owner: string): Promise<void> {
    const lease = this.lease;
    if (lease === undefined) return;
    const { client, nodeId } = this.opts;
    const key = ownerKey(owner);
    const result = await client
      .if(key, "Create", "==", 0)
      .then(client.put(key).value(nodeId).lease(lease))
      .else(client.get(key))
      .commit();
    if (result.succeeded) {
      this.setHolder(owner, { nodeId, lease, revision: BigInt(result.header.revision) });
      this.opts.logger.info({ owner, node: nodeId }, "claimed owner");
      return;
    }
    const kv = result.responses[0]?.response_range?.kvs?.[0];
    if (kv) this.applyOwner(owner, kv);
  }

  private setHolder(owner: string, holder: Holder): void {
    const known = this.holders.get(owner);
    if (!known || holder.revision > known.revision) this.holders.set(owner, holder);
  }

  private applyOwner(owner: string, kv: IKeyValue, deleted = false): void {
    const revision = BigInt(kv.mod_revision);
    if (!deleted) {
      this.setHolder(owner, {
        nodeId: kv.value.toString("utf8"),
        lease: String(kv.lease),
        revision,
      });
      return;
    }
    const known = this.holders.get(owner);
    if (known && revision > known.revision) this.holders.delete(owner);
  }

  private applyNode(nodeId: string, kv: IKeyValue, deleted = false): void {
    const revision = BigInt(kv.mod_revision);
    const known = this.nodes.get(nodeId);
    if (known && revision <= known.revision) return;
    if (deleted) {
      this.nodes.delete(nodeId);
      return;
    }
    try {
      const { address } = JSON.parse(kv.value.toString("utf8")) as { address?: unknown };
      if (typeof address === "string") this.nodes.set(nodeId, { address, revision });
    } catch {
      this.opts.logger.warn({ node: nodeId }, "ignoring a node key that is not JSON { address }");
    }
  }

  private async mirror(
    prefix: string,
    apply: (name: string, kv: IKeyValue, deleted: boolean) => void,
  ): Promise<void> {
    const { client } = this.opts;
    const snapshot = await client.getAll().prefix(prefix).exec();
    for (const kv of snapshot.kvs) {
      const name = nameOf(prefix, kv.key.toString("utf8"));
      if (name !== undefined) apply(name, kv, false);
    }
    const watcher = await client
      .watch()
      .prefix(prefix)
      .startRevision(String(BigInt(snapshot.header.revision) + 1n))
      .create();
    const on = (deleted: boolean) => (kv: IKeyValue) => {
      const name = nameOf(prefix, kv.key.toString("utf8"));
      if (name !== undefined) apply(name, kv, deleted);
    };
    watcher.on("put", on(false)).on("delete", on(true));
    watcher.on("error", (err) => this.opts.logger.warn({ err, prefix }, "etcd watch error"));
    this.watchers.push(watcher);
  }
}
