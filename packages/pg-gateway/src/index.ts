export type { PgGatewayConfig } from "./config.js";
export { pgGatewayConfigFromEnv } from "./config.js";
export type { PgGatewayHandle } from "./server.js";
export { startPgGateway } from "./server.js";
