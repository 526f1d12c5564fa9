import { CreateBucketCommand, HeadBucketCommand } from "@aws-sdk/client-s3";
import type { Logger } from "pino";
import type { BackendHealth } from "../backend.js";
import { ComposedBackend } from "../composed-backend.js";
import { S3Buckets } from "./buckets.js";
import { isNotFound } from "./errors.js";
import { listObjects } from "./listing.js";
import { S3Multipart } from "./multipart.js";
import { S3Objects } from "./objects.js";
import type { S3StoreOptions } from "./options.js";
import { presignS3 } from "./presign.js";
import { S3Store } from "./store.js";

export type S3BackendOptions = S3StoreOptions & { logger: Logger };

/**
 * Everything in one bucket of an S3-compatible store; see the README's "S3 backend". One
 * part per concern (buckets, objects, listing, multipart, presigning), sharing the store.
 */
export class S3Backend extends ComposedBackend {
  readonly kind = "s3";
  private readonly store: S3Store;

  constructor({ logger, ...opts }: S3BackendOptions) {
    const store = new S3Store(opts, logger);
    const uploads = new S3Multipart(store);
    super({
      buckets: new S3Buckets(store, uploads),
      objects: new S3Objects(store),
      list: (loc, query) => listObjects(store, loc, query),
      presign: (loc, key, request) => presignS3(store, loc, key, request),
      uploads,
    });
    this.store = store;
  }

  /** Creates the physical bucket when it is missing. */
  async start(): Promise<void> {
    const { client, bucket, endpoint, logger } = this.store;
    try {
      await client.send(new HeadBucketCommand({ Bucket: bucket }));
      return;
    } catch (err) {
      if (!isNotFound(err)) throw this.store.mapped(err);
    }
    try {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      logger.info({ bucket, endpoint }, "created the S3 bucket");
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (name !== "BucketAlreadyOwnedByYou" && name !== "BucketAlreadyExists")
        throw this.store.mapped(err);
    }
  }

  async close(): Promise<void> {
    this.store.client.destroy();
  }

  async health(): Promise<BackendHealth> {
    const { client, bucket, endpoint } = this.store;
    const started = performance.now();
    const details = { backend: "s3", endpoint, bucket };
    try {
      await client.send(new HeadBucketCommand({ Bucket: bucket }));
      return {
        healthy: true,
        details: { ...details, latencyMs: Math.round((performance.now() - started) * 1000) / 1000 },
      };
    } catch (err) {
      return { healthy: false, details, error: (this.store.mapped(err) as Error).message };
    }
  }
}
