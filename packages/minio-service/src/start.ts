import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createLogger, startGrpcServer } from "@isa-cloud/rpc-server";
import type { StorageBackend } from "./backend/backend.js";
import { FsBackend } from "./backend/fs/fs-backend.js";
import type { MinioServiceConfig } from "./config.js";
import { startStorageObservability } from "./observability/observability.js";
import { type PresignServer, startPresignServer } from "./presign-server.js";
import { createMinioServiceImpl } from "./rpc/create-service.js";
import { FastMinIOServiceDefinition } from "./rpc/fast-definition.js";

export interface MinioServiceHandle {
  /** The gRPC port (the chosen one when the config said 0). */
  port: number;
  /** The presigned-URL HTTP port; 0 with the S3 backend, which presigns with the store itself. */
  httpPort: number;
  /** The port of `/metrics`, `/healthz` and `/readyz`; 0 when `config.metrics` is unset. */
  metricsPort: number;
  /** Graceful: in-flight calls and HTTP transfers finish, new ones are refused. */
  close(): Promise<void>;
}

/** gRPC messages carry some framing beyond the chunk itself. */
const MESSAGE_OVERHEAD = 1024;
const MAX_CHUNK = 1024 * 1024;

/** Starts the storage service: backend, presigned-URL endpoint (fs), gRPC server. */
export async function startMinioService(config: MinioServiceConfig): Promise<MinioServiceHandle> {
  const logger = createLogger(
    "isa-minio-service",
    config.logLevel ? { level: config.logLevel } : {},
  );
  let presignSecret = config.presignSecret;
  if (config.backend.kind === "fs" && !presignSecret) {
    presignSecret = randomBytes(32).toString("hex");
    logger.warn(
      "no MINIO_PRESIGN_SECRET or ISA_JWT_SECRET: presigned URLs stop working when this process exits",
    );
  }
  const observability = await startStorageObservability(config, logger);
  let publicUrl = config.publicUrl;
  let backend: StorageBackend;
  if (config.backend.kind === "fs") {
    backend = new FsBackend({
      root: config.backend.root,
      presignSecret,
      publicUrl: () => publicUrl ?? "",
      logger,
    });
  } else {
    // Loaded on demand: the AWS SDK alone adds about 27 MiB to the process.
    const { S3Backend } = await import("./backend/s3/s3-backend.js");
    backend = new S3Backend({ ...config.backend, logger });
  }
  await backend.start();
  backend = observability.meter(backend);

  let http: PresignServer | undefined;
  try {
    if (config.backend.kind === "fs") {
      http = await startPresignServer({
        host: config.host,
        port: config.httpPort,
        secret: presignSecret,
        backend,
        logger,
      });
      publicUrl ??= `http://${urlHost(config.host)}:${http.port}`;
    }
    const grpc = await startGrpcServer({
      host: config.host,
      port: config.port,
      services: [
        {
          definition: FastMinIOServiceDefinition,
          implementation: createMinioServiceImpl({
            backend,
            logger,
            chunkBytes: Math.min(MAX_CHUNK, config.maxMessageBytes - MESSAGE_OVERHEAD),
            startedAt: new Date(),
            version: packageVersion(),
          }),
        },
      ],
      auth: config.auth,
      logger,
      maxMessageBytes: config.maxMessageBytes,
      ...(config.tls ? { tls: config.tls } : {}),
      ...(observability.accessLog ? { accessLog: observability.accessLog } : {}),
    });
    let serving = true;
    let metricsPort: number;
    try {
      metricsPort = await observability.listen(() => serving);
    } catch (err) {
      await grpc.shutdown({ graceMs: 0 });
      throw err;
    }
    logger.info(
      { backend: backend.kind, port: grpc.port, httpPort: http?.port ?? 0, metricsPort },
      "storage service started",
    );
    const presign = http;
    let closing: Promise<void> | undefined;
    return {
      port: grpc.port,
      httpPort: presign?.port ?? 0,
      metricsPort,
      close() {
        closing ??= (async () => {
          serving = false;
          await Promise.all([grpc.shutdown(), presign?.close()]);
          await backend.close();
          await observability.close();
          logger.info("storage service stopped");
        })();
        return closing;
      },
    };
  } catch (err) {
    await http?.close(0);
    await backend.close();
    await observability.close();
    throw err;
  }
}

/** How a URL names the listening host: a wildcard address is reached as localhost. */
function urlHost(host: string): string {
  if (host === "" || host === "0.0.0.0" || host === "::") return "localhost";
  return host.includes(":") ? `[${host}]` : host;
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
      version?: string;
    };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}
