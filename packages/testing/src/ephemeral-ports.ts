/**
 * Every service's port variable set to 0: each server takes a free port, so a test runs
 * beside anything else on the machine (another test file, a developer's `isa start`).
 */
export const EPHEMERAL_PORTS = {
  MINIO_GRPC_PORT: "0",
  MINIO_HTTP_PORT: "0",
  DUCKDB_GRPC_PORT: "0",
  DUCKDB_PG_PORT: "0",
  API_PORT: "0",
  // The metrics endpoints take any free port once their gRPC port is 0; a test that pins
  // a gRPC port must not pin them too.
  MINIO_METRICS_PORT: "0",
  DUCKDB_METRICS_PORT: "0",
} as const;
