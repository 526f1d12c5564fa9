#!/usr/bin/env node
import { pgGatewayConfigFromEnv } from "./config.js";
import { startPgGateway } from "./server.js";

const config = pgGatewayConfigFromEnv();
if (!config.enabled) {
  console.error("pg-gateway: DUCKDB_PG_ENABLED=false, not starting");
  process.exit(0);
}
const gateway = await startPgGateway(config);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void gateway.close().then(() => process.exit(0));
  });
}
