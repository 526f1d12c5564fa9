import type { Etcd3, Lease } from "etcd3";
import type { Logger } from "pino";
import { nodeKey } from "./keys.js";

export interface MembershipOptions {
  client: Etcd3;
  nodeId: string;
  /** What other nodes dial: the value of the node key. */
  address: string;
  ttlSeconds: number;
  logger: Logger;
  /** A lease is live: this node may claim and serve owners under it. */
  onLease(lease: string): void;
  /**
   * The lease is (about to be) lost: stop serving every owner held under it. The next
   * lease is asked for only after this resolves, so no owner is served under two leases.
   */
  onLost(): Promise<void>;
}

/** How often the self-fencing check runs. */
const CHECK_MS = 100;

/**
 * The node's registration: `/isa/analytics/nodes/<nodeId>` = `{ address }` under a lease
 * kept alive by the etcd3 client (a keepalive every TTL / 3).
 *
 * Self-fencing: etcd3 reports a lost lease only after twice the TTL without an answer,
 * long after etcd let the node's owner keys go and another node may have claimed them.
 * So the node keeps its own bound: a keepalive answered by etcd extends the lease to at
 * least (time the keepalive was sent + TTL); when that bound is within a margin of now,
 * the node fences itself (stops serving everything) before etcd can expire the lease.
 */
export class Membership {
  private lease: Lease | undefined;
  private validUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private cycle: Promise<void> = Promise.resolve();

  constructor(private readonly opts: MembershipOptions) {}

  /** Registers; resolves once the node key is written under a live lease. */
  async start(): Promise<void> {
    await this.register();
    this.timer = setInterval(() => this.check(), CHECK_MS);
    this.timer.unref();
  }

  /** Revokes the lease: the node key and every owner key held under it go at once. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.cycle.catch(() => {});
    await this.lease
      ?.revoke()
      .catch((err: Error) =>
        this.opts.logger.warn({ err }, "could not revoke the etcd lease; it expires by itself"),
      );
  }

  private async register(): Promise<void> {
    const { client, nodeId, address, ttlSeconds, logger } = this.opts;
    const sentAt = Date.now();
    const lease = client.lease(ttlSeconds);
    let firedAt = sentAt;
    lease.on("keepaliveFired", () => {
      firedAt = Date.now();
    });
    lease.on("keepaliveSucceeded", (res) => {
      if (this.lease === lease) this.validUntil = firedAt + Number(res.TTL) * 1000;
    });
    lease.on("lost", (err) => {
      if (this.lease === lease) this.lost(`etcd reported the lease lost: ${err.message}`);
    });
    let id: string;
    try {
      id = await lease.grant();
      await lease.put(nodeKey(nodeId)).value(JSON.stringify({ address }));
    } catch (err) {
      lease.revoke().catch(() => {}); // stops its keepalive; a granted one is let go
      throw err;
    }
    // The lease counts from before the grant was asked for: a safe lower bound.
    this.validUntil = sentAt + ttlSeconds * 1000;
    this.lease = lease;
    logger.info({ node: nodeId, address, lease: id, ttlSeconds }, "registered in etcd");
    this.opts.onLease(id);
  }

  private check(): void {
    if (this.closed || this.lease === undefined) return;
    const marginMs = Math.min(1000, (this.opts.ttlSeconds * 1000) / 4);
    if (Date.now() >= this.validUntil - marginMs) {
      this.lost(`no keepalive answered within the lease TTL of ${this.opts.ttlSeconds} s`);
    }
  }

  /** Fences, lets the old lease go, then registers again until it succeeds. */
  private lost(why: string): void {
    const old = this.lease;
    if (old === undefined || this.closed) return;
    this.lease = undefined;
    this.opts.logger.error({ node: this.opts.nodeId, why }, "etcd lease lost: fencing this node");
    this.cycle = (async () => {
      await this.opts.onLost();
      // Revoked (or found expired) before the next lease, so no key of the old lease can
      // outlive the fence.
      for (let attempt = 0; !this.closed; attempt++) {
        try {
          await old.revoke();
          if (!this.closed) await this.register();
          return;
        } catch (err) {
          this.opts.logger.warn({ err, attempt }, "registering in etcd again failed; retrying");
          await new Promise((r) => setTimeout(r, Math.min(2000, 200 * 2 ** attempt)));
        }
      }
    })();
  }
}
