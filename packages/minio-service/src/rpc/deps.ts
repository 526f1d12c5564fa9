import type { MinIOServiceImplementation } from "@isa-cloud/proto";
import type { Identity } from "@isa-cloud/rpc/wire";
import type { Logger } from "pino";
import type { StorageBackend } from "../backend/backend.js";

/** What every handler works with. */
export interface ServiceDeps {
  backend: StorageBackend;
  logger: Logger;
  /** Largest chunk GetObject sends: 1 MiB, or less when the message limit is lower. */
  chunkBytes: number;
  startedAt: Date;
  version: string;
}

/** The context the rpc auth middleware hands over (identity undefined on HealthCheck without a token). */
export type Ext = { identity: Identity };
export type Impl = MinIOServiceImplementation<Ext>;
