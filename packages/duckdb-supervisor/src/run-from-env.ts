import { createLogger, runServiceFromEnv } from "@isa-cloud/rpc-server";
import { supervisorConfigFromEnv } from "./config.js";
import { startDuckdbSupervisor } from "./supervisor.js";

/** The bin's body: start from the environment, stop gracefully on SIGTERM/SIGINT. */
export async function runFromEnv(): Promise<void> {
  const logger = createLogger("isa-duckdb-supervisor");
  await runServiceFromEnv({
    logger,
    config: supervisorConfigFromEnv,
    start: (config) => startDuckdbSupervisor({ ...config, logger }),
    startFailedMessage: "analytics supervisor failed to start",
    stoppingMessage: "stopping: draining calls, then every worker checkpoints",
  });
}
