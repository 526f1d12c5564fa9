import type { Etcd3 } from "etcd3";
import {
  type DatabaseRef,
  FencedError,
  type Generation,
  type GenerationStore,
  type Pointer,
} from "./generations.js";
import { type Owner, storePath } from "./naming.js";
import type { DatabaseRecord, Registry } from "./registry.js";

/** The etcd prefix reserved for generation pointers (the supervisor's key schema). */
export const GENERATIONS_PREFIX = "/isa/analytics/generations/";

export interface EtcdGenerationOptions {
  client: Etcd3;
  /** This node's id, the value of the owner keys it holds (`ISA_NODE_ID`). */
  nodeId: string;
  /** Prefix of the owner keys (`ISA_ETCD_OWNER_PREFIX`, default `/isa/analytics/owners/`). */
  ownerPrefix: string;
  /** The lease this node holds its owner keys under (`ISA_ETCD_LEASE_ID`), when known. */
  leaseId?: string;
  registry: Registry;
}

/**
 * A cluster: the pointer is `/isa/analytics/generations/<owner>/<name>` (JSON Generation),
 * moved only by a transaction conditioned on the owner key still naming this node (and,
 * when the supervisor passed it, under this node's lease: a node that lost its lease and
 * claimed the owner again is a new tenure) and on the pointer's mod revision being the
 * one this node last saw. A stale node's transaction fails; what it uploaded is an orphan.
 */
export class EtcdGenerationStore implements GenerationStore {
  readonly shipsWal = true;

  constructor(private readonly opts: EtcdGenerationOptions) {}

  async read(record: DatabaseRef & { generation?: Generation }): Promise<Pointer | undefined> {
    const response = await this.opts.client.get(this.key(record)).exec();
    const kv = response.kvs[0];
    if (kv) return { generation: JSON.parse(kv.value.toString("utf8")), version: kv.mod_revision };
    // Never checkpointed in a cluster: the registry's generation (stored on one node) is
    // current; version "" makes the first swap require the key to be absent.
    return record.generation && { generation: record.generation, version: "" };
  }

  async swap(
    ref: DatabaseRef,
    expected: Pointer | undefined,
    next: Generation,
    record?: DatabaseRecord,
  ): Promise<Pointer> {
    const { client, nodeId, leaseId } = this.opts;
    const owner = this.ownerKey(ref.owner);
    const key = this.key(ref);
    let txn = client.if(owner, "Value", "==", nodeId);
    if (leaseId) txn = txn.and(owner, "Lease", "==", leaseId);
    txn = expected?.version
      ? txn.and(key, "Mod", "==", expected.version)
      : txn.and(key, "Create", "==", 0);
    const result = await txn.then(client.put(key).value(JSON.stringify(next))).commit();
    if (!result.succeeded) {
      throw new FencedError(
        `node ${nodeId} no longer owns ${ref.owner.kind} ${JSON.stringify(ref.owner.id)}'s database ${JSON.stringify(ref.name)} (the owner key moved, or another node checkpointed it)`,
      );
    }
    // Metadata only (sizes, table count): the pointer above is what readers follow.
    if (record) await this.opts.registry.put({ ...record, generation: next });
    return { generation: next, version: result.header.revision };
  }

  async remove(ref: DatabaseRef): Promise<void> {
    await this.opts.client.delete().key(this.key(ref)).exec();
  }

  close(): void {
    this.opts.client.close();
  }

  private key(ref: DatabaseRef): string {
    return `${GENERATIONS_PREFIX}${storePath(ref.owner, ref.name)}`;
  }

  /** The supervisor's owner key: `user:<id>` or `org:<id>`, URI-encoded. */
  private ownerKey(owner: Owner): string {
    return `${this.opts.ownerPrefix}${encodeURIComponent(`${owner.kind}:${owner.id}`)}`;
  }
}
