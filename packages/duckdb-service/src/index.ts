// The public entry of @isa-cloud/duckdb-service.
export type { DuckdbServiceConfig } from "./config.js";
export { duckdbConfigFromEnv, systemTokenSigner } from "./config.js";
export type { DuckdbServiceHandle } from "./start.js";
export { startDuckdbService } from "./start.js";
