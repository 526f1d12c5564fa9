import { createMinioClient, type MinioClient } from "@isa-cloud/minio-client";
import { startTestStack } from "@isa-cloud/testing";
import { createDuckdbClient, type DuckdbClient, type DuckdbClientOptions } from "../src/index.js";

/**
 * The real storage and analytics services of @isa-cloud/testing's `startTestStack`
 * (temp dir, ephemeral loopback ports, a secret of its own), with this package's client
 * wrappers: clients made here are closed by `stop()`.
 */
export interface Stack {
  dir: string;
  address: string;
  /** A token of `sub` (and `org`), signed with the stack's secret. */
  token(sub: string, org?: string): Promise<string>;
  /** A client of the analytics service as `sub`; closed by `stop()`. */
  client(sub: string, options?: Partial<DuckdbClientOptions>): Promise<DuckdbClient>;
  /** A client of the storage service as `sub`; closed by `stop()`. */
  storage(sub: string): Promise<MinioClient>;
  /** Runs `fn` at the start of `stop()`, before the clients and servers close. */
  onStop(fn: () => Promise<void> | void): void;
  stop(): Promise<void>;
}

export async function startStack(): Promise<Stack> {
  const stack = await startTestStack();
  const address = stack.analytics.address;
  const closers: Array<() => void> = [];
  const stoppers: Array<() => Promise<void> | void> = [];
  const token = (sub: string, org?: string) => stack.token(sub, org ? { org } : {});
  return {
    dir: stack.dir,
    address,
    token,
    async client(sub, options = {}) {
      const client = createDuckdbClient({ address, token: await token(sub), ...options });
      closers.push(() => client.close());
      return client;
    },
    async storage(sub) {
      const client = createMinioClient({ address: stack.storage.address, token: await token(sub) });
      closers.push(() => client.close());
      return client;
    },
    onStop(fn) {
      stoppers.push(fn);
    },
    async stop() {
      for (const fn of stoppers) await fn();
      for (const close of closers) close();
      await stack.close();
    },
  };
}
