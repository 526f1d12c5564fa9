import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ServicesHandle, type StartServicesOptions, startServices } from "@isa-cloud/stack";
import { EPHEMERAL_PORTS } from "./ephemeral-ports.js";
import { type S3Server, startS3Server } from "./s3-server.js";
import { randomSecret, type TokenOptions, tokenSigner } from "./tokens.js";

export interface TestStackOptions {
  /**
   * Where storage keeps objects: the filesystem under the temp dir, or an S3 bucket of
   * an s3rver that also runs in the temp dir. Default "fs".
   */
  backend?: "fs" | "s3";
  /** The HS256 secret the services check tokens with. Default: a fresh random one. */
  secret?: string;
  /** The loopback interface both listen on. Default "127.0.0.1"; "::1" for IPv6. */
  host?: string;
  /** pino level of both services. Default "silent". */
  logLevel?: string;
  /**
   * Storage settings over the defaults.
   * @example { storage: { maxMessageBytes: 1024 * 1024 } }
   */
  storage?: StartServicesOptions["storage"];
  /**
   * Analytics settings over the defaults (which are the services' own).
   * @example { analytics: { maxOpenDatabases: 2, checkpointIntervalMs: 500, totalMemoryBytes: 512 * 1024 ** 2 } }
   */
  analytics?: StartServicesOptions["analytics"];
}

export interface TestStack {
  /** The temp dir holding all state (objects, DuckDB's cache, s3rver's buckets); removed by close(). */
  dir: string;
  /** The HS256 secret of this stack. */
  secret: string;
  storage: { address: string; port: number; httpPort: number };
  analytics: { address: string; port: number };
  /**
   * What a client, the API or a child process reads to reach this stack:
   * `ISA_JWT_SECRET`, `MINIO_GRPC_HOST`/`_PORT`, `DUCKDB_GRPC_HOST`/`_PORT`, `LOG_LEVEL`.
   */
  env: Record<string, string>;
  /** A token of `sub` signed with the stack's secret. */
  token(sub: string, options?: TokenOptions): Promise<string>;
  /** Stops storage (gracefully); analytics stays up and finds it again once restarted. */
  stopStorage(): Promise<void>;
  /** Starts storage again on its port, over the same objects. */
  startStorage(): Promise<void>;
  stopAnalytics(): Promise<void>;
  /** Starts analytics again on its port, over the same cache, with `settings` over the stack's. */
  startAnalytics(settings?: StartServicesOptions["analytics"]): Promise<void>;
  /** Stops both services (and s3rver) and removes the temp dir. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * The real storage and analytics services for one test file, in this process: a
 * fresh temp dir, free loopback ports, a secret of its own. Started through
 * `@isa-cloud/stack`, the bring-up `isa start` uses.
 */
export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const dir = await mkdtemp(join(tmpdir(), "isa-test-stack-"));
  const secret = options.secret ?? randomSecret();
  const host = options.host ?? "127.0.0.1";
  const logLevel = options.logLevel ?? "silent";
  const settings: Record<string, string> = {
    ...EPHEMERAL_PORTS,
    ISA_JWT_SECRET: secret,
    LOG_LEVEL: logLevel,
    MINIO_GRPC_HOST: host,
    DUCKDB_GRPC_HOST: host,
  };
  let s3: S3Server | undefined;
  let storage: ServicesHandle | undefined;
  let analytics: ServicesHandle | undefined;

  const startStorage = async (): Promise<ServicesHandle> => {
    storage ??= await startServices({
      env: settings,
      dataDir: dir,
      services: ["storage"],
      ...(options.storage ? { storage: options.storage } : {}),
    });
    // A restart comes back where clients and analytics already look for it.
    settings.MINIO_GRPC_PORT = String(storage.storage?.port);
    settings.MINIO_HTTP_PORT = String(storage.storage?.httpPort);
    return storage;
  };
  const startAnalytics = async (
    more?: StartServicesOptions["analytics"],
  ): Promise<ServicesHandle> => {
    analytics ??= await startServices({
      env: settings,
      dataDir: dir,
      services: ["analytics"],
      // Tests reach the service's own behaviour directly; the supervisor has its own suite.
      isolation: "in-process",
      analytics: { ...options.analytics, ...more },
    });
    settings.DUCKDB_GRPC_PORT = String(analytics.analytics?.port);
    return analytics;
  };
  const stopStorage = async () => {
    await storage?.close();
    storage = undefined;
  };
  const stopAnalytics = async () => {
    await analytics?.close();
    analytics = undefined;
  };
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await stopAnalytics();
      await stopStorage();
      await s3?.close();
      await rm(dir, { recursive: true, force: true });
    })();
    return closing;
  };

  let started: { storage: ServicesHandle; analytics: ServicesHandle };
  try {
    if (options.backend === "s3") {
      s3 = await startS3Server(join(dir, "s3"));
      Object.assign(settings, s3.env("isa-test"));
    }
    started = { storage: await startStorage(), analytics: await startAnalytics() };
  } catch (err) {
    await close();
    throw err;
  }

  // Analytics' handle carries the environment with both services' real addresses.
  const reach = started.analytics.env;
  return {
    dir,
    secret,
    storage: started.storage.storage!,
    analytics: started.analytics.analytics!,
    env: {
      ISA_JWT_SECRET: secret,
      LOG_LEVEL: logLevel,
      MINIO_GRPC_HOST: reach.MINIO_GRPC_HOST!,
      MINIO_GRPC_PORT: reach.MINIO_GRPC_PORT!,
      DUCKDB_GRPC_HOST: reach.DUCKDB_GRPC_HOST!,
      DUCKDB_GRPC_PORT: reach.DUCKDB_GRPC_PORT!,
    },
    token: tokenSigner(secret),
    stopStorage,
    startStorage: async () => {
      await startStorage();
    },
    stopAnalytics,
    startAnalytics: async (more) => {
      await startAnalytics(more);
    },
    close,
  };
}
