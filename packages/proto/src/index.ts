// The public entry of @isa-cloud/proto. Generated modules are exposed as
// namespaces because both services declare messages of the same name
// (HealthCheckRequest, ...).

export { descriptorSetPath, serviceNames } from "./descriptor-set.js";
export { Timestamp } from "./gen/google/protobuf/timestamp.js";
export * as common from "./gen/isa/common/common.js";
export type { DuckDBServiceImplementation } from "./gen/isa/duckdb/duckdb_service.js";
export * as duckdb from "./gen/isa/duckdb/duckdb_service.js";
export { DuckDBServiceDefinition } from "./gen/isa/duckdb/duckdb_service.js";
export type { MinIOServiceImplementation } from "./gen/isa/minio/minio_service.js";
export * as minio from "./gen/isa/minio/minio_service.js";
export { MinIOServiceDefinition } from "./gen/isa/minio/minio_service.js";
export {
  dateToTimestamp,
  microsToTimestamp,
  timestampToDate,
  timestampToMicros,
} from "./timestamp.js";
