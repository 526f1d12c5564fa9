import type { DuckDBServiceDefinition } from "@isa-cloud/proto";
import type { IsaClient } from "@isa-cloud/rpc/client";
import type { DuckdbWireDefinition } from "./service-definition.js";
import type { CallOptions } from "./types.js";
import type { DecodeOptions } from "./value-decoder.js";

/** The DuckDBService client (columnar responses left as bytes), behind @isa-cloud/rpc's middleware. */
export type DuckdbRpc = IsaClient<DuckdbWireDefinition>;

/** A DuckDBService method, by its name in the generated client (`executeQuery`). */
export type Method = keyof DuckDBServiceDefinition["methods"];

/**
 * What the operations share, one per DuckdbClient: they are plain functions of it, so
 * each concern sits in its own file and the class only delegates.
 */
export interface ClientContext {
  readonly rpc: DuckdbRpc;
  /** Sent as `user_id`; "" lets the service take the token's subject. */
  readonly userId: string;
  /** The client's `timestamps`; a query may override it. */
  readonly decode: DecodeOptions;
}

/**
 * Only the options given: an explicit `deadline: undefined` would switch off the
 * client's default deadline.
 */
export function callOptions(opts: CallOptions): CallOptions {
  const out: CallOptions = {};
  if (opts.signal) out.signal = opts.signal;
  if (opts.deadline !== undefined) out.deadline = opts.deadline;
  return out;
}
