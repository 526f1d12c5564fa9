import { constants } from "node:fs";
import { access, mkdir, statfs } from "node:fs/promises";
import { KeyedMutex, KeyedRwLock } from "@isa-cloud/rpc-server";
import type { Logger } from "pino";
import { presignUrl } from "../../presign.js";
import type { BucketLocation } from "../../tenant.js";
import type { BackendHealth, PresignRequest } from "../backend.js";
import { ComposedBackend } from "../composed-backend.js";
import { FsBuckets } from "./buckets.js";
import type { FsContext } from "./context.js";
import { removeTree } from "./files.js";
import { FsLayout } from "./layout.js";
import { listObjects } from "./listing.js";
import { FsMultipart } from "./multipart.js";
import { FsObjects } from "./objects.js";
import { lockRoot } from "./root-lock.js";
import { TreeCache } from "./tree-cache.js";

export interface FsBackendOptions {
  /** Directory of the objects (`<ISA_DATA_DIR>/objects`); created when missing. */
  root: string;
  /** HMAC key of presigned URLs. */
  presignSecret: string;
  /** Base of presigned URLs; asked for each URL, because the HTTP endpoint's port is known late. */
  publicUrl: () => string;
  logger: Logger;
}

/**
 * Objects as files under one directory; see the README's "Filesystem backend". One part
 * per concern (buckets, objects, listing, multipart), sharing the layout of the root and
 * its locks.
 */
export class FsBackend extends ComposedBackend {
  readonly kind = "fs";
  private readonly layout: FsLayout;
  private readonly cache: TreeCache;
  private releaseRoot: (() => Promise<void>) | undefined;

  constructor(opts: FsBackendOptions) {
    const fs: FsContext = {
      layout: new FsLayout(opts.root),
      bucketLocks: new KeyedRwLock(),
      keyLocks: new KeyedMutex(),
      cache: new TreeCache(),
    };
    const objects = new FsObjects(fs);
    super({
      buckets: new FsBuckets(fs),
      objects,
      list: (loc, query) => listObjects(fs, loc, query),
      presign: async (loc, key, request) => presign(opts, loc, key, request),
      uploads: new FsMultipart(fs, objects),
    });
    this.layout = fs.layout;
    this.cache = fs.cache;
  }

  async start(): Promise<void> {
    await mkdir(this.layout.root, { recursive: true });
    this.releaseRoot = await lockRoot(this.layout.root, this.layout.lockFile);
    this.cache.clear(); // whatever another process did to the root before is unknown to it
    // Whatever is here was in flight when a previous process stopped: never visible, so dropped.
    await removeTree(this.layout.tmp);
    await mkdir(this.layout.tmp);
  }

  async close(): Promise<void> {
    await this.releaseRoot?.();
    this.releaseRoot = undefined;
  }

  async health(): Promise<BackendHealth> {
    const { root } = this.layout;
    const started = performance.now();
    try {
      await access(root, constants.W_OK);
      const fsStats = await statfs(root);
      return {
        healthy: true,
        details: {
          backend: "fs",
          root,
          freeBytes: fsStats.bavail * fsStats.bsize,
          latencyMs: Math.round((performance.now() - started) * 1000) / 1000,
        },
      };
    } catch (err) {
      return {
        healthy: false,
        details: { backend: "fs", root },
        error: `data directory ${root} is not usable: ${(err as Error).message}`,
      };
    }
  }
}

/** A URL of the service's own presigned-URL endpoint (`presign-server.ts`). */
function presign(
  opts: FsBackendOptions,
  loc: BucketLocation,
  key: string,
  request: PresignRequest,
): { url: string; expiresAt: Date } {
  const expires = Math.floor(Date.now() / 1000) + request.expiresInSeconds;
  const url = presignUrl(opts.publicUrl(), opts.presignSecret, {
    method: request.method,
    loc,
    key,
    expires,
    ...(request.contentType !== undefined ? { contentType: request.contentType } : {}),
    ownerId: request.ownerId,
    responseOverrides: request.responseOverrides ?? {},
  });
  return { url, expiresAt: new Date(expires * 1000) };
}
