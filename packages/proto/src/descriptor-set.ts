import { fileURLToPath } from "node:url";

/**
 * Path of the binary FileDescriptorSet of every contract (buf build output),
 * which gRPC server reflection serves so that grpcurl and friends work.
 */
export const descriptorSetPath: string = fileURLToPath(
  new URL("./gen/descriptor-set.binpb", import.meta.url),
);

/** Fully qualified names of the services, as reflection lists them. */
export const serviceNames = {
  minio: "isa.minio.MinIOService",
  duckdb: "isa.duckdb.DuckDBService",
} as const;
