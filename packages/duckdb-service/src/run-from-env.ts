import { createLogger, runServiceFromEnv } from "@isa-cloud/rpc-server";
import { duckdbConfigFromEnv } from "./config.js";
import { startDuckdbService } from "./start.js";

/** The bin's body: start from the environment, stop gracefully on SIGTERM/SIGINT. */
export async function runFromEnv(): Promise<void> {
  const logger = createLogger("isa-duckdb-service");
  await runServiceFromEnv({
    logger,
    config: duckdbConfigFromEnv,
    start: (config) => startDuckdbService({ ...config, logger }),
    startFailedMessage: "analytics service failed to start",
    stoppingMessage: "stopping: finishing calls, then checkpointing every open database",
  });
}
