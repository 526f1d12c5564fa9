export type { S3StoreOptions } from "./backend/s3/options.js";
export type { MinioBackendConfig, MinioServiceConfig } from "./config.js";
export { minioConfigFromEnv } from "./config.js";
export type { MinioServiceHandle } from "./start.js";
export { startMinioService } from "./start.js";
