import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startMinioService } from "@isa-cloud/minio-service";
import { signToken } from "@isa-cloud/rpc-server";
import { createMinioClient, type MinioClient, type MinioClientOptions } from "../src/index.js";

export interface Storage {
  address: string;
  port: number;
  httpPort: number;
  /** The filesystem backend's directory. */
  root: string;
  /** A token for `sub` (and `org`), signed with this server's secret. */
  token(sub: string, org?: string): Promise<string>;
  /** A client of this server for `sub`, closed by `close()`. */
  client(
    sub: string,
    options?: Partial<MinioClientOptions> & { org?: string },
  ): Promise<MinioClient>;
  /** Every file under the backend's root, relative paths, sorted. */
  files(): Promise<string[]>;
  close(): Promise<void>;
}

/** A real storage service on an ephemeral port over a fresh temp directory. */
export async function startStorage(
  options: {
    maxMessageBytes?: number;
    port?: number;
    secret?: string;
    /** Base URL of presigned URLs (the service's MINIO_PUBLIC_URL). Default: its own endpoint. */
    publicUrl?: string;
  } = {},
): Promise<Storage> {
  const root = await mkdtemp(join(tmpdir(), "minio-client-test-"));
  const secret = options.secret ?? `test-${randomUUID()}`;
  const service = await startMinioService({
    host: "127.0.0.1",
    port: options.port ?? 0,
    httpPort: 0,
    backend: { kind: "fs", root },
    auth: { hs256Secret: secret },
    presignSecret: `presign-${randomUUID()}`,
    maxMessageBytes: options.maxMessageBytes ?? 8 * 1024 * 1024,
    logLevel: "silent",
    ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
  });
  const clients: MinioClient[] = [];
  const token = (sub: string, org?: string) => signToken({ secret, sub, ...(org ? { org } : {}) });
  return {
    address: `127.0.0.1:${service.port}`,
    port: service.port,
    httpPort: service.httpPort,
    root,
    token,
    async client(sub, { org, ...rest } = {}) {
      const client = createMinioClient({
        address: `127.0.0.1:${service.port}`,
        token: await token(sub, org),
        ...rest,
      });
      clients.push(client);
      return client;
    },
    async files() {
      const entries = await readdir(root, { recursive: true, withFileTypes: true });
      return entries
        .filter((e) => e.isFile())
        .map((e) => join(e.parentPath, e.name).slice(root.length + 1))
        .sort();
    },
    async close() {
      for (const client of clients) client.close();
      await service.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Drains an async iterable into an array. */
export async function all<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** The rejection of a promise that must reject. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail, but it succeeded");
}
