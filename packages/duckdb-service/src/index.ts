// The public entry of @isa-cloud/duckdb-service.
export type { DuckdbServiceConfig } from "./config.js";
export { duckdbConfigFromEnv, systemTokenSigner } from "./config.js";
export type { DuckdbServiceHandle } from "./service.js";
export { startDuckdbService } from "./service.js";
