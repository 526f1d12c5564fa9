import { createLogger } from "@isa-cloud/rpc-server";
import { type DuckdbSupervisorConfig, supervisorConfigFromEnv } from "./config.js";
import { startDuckdbSupervisor } from "./supervisor.js";

/** The bin's body: start from the environment, stop gracefully on SIGTERM/SIGINT. */
export async function runFromEnv(): Promise<void> {
  const logger = createLogger("isa-duckdb-supervisor");
  let config: DuckdbSupervisorConfig;
  try {
    config = supervisorConfigFromEnv();
  } catch (err) {
    logger.fatal((err as Error).message);
    process.exit(2);
  }
  const started = startDuckdbSupervisor({ ...config, logger }).catch((err: Error) => {
    logger.fatal({ err }, "analytics supervisor failed to start");
    process.exit(1);
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping: draining calls, then every worker checkpoints");
    started
      .then((supervisor) => supervisor.close())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, "shutdown failed");
          process.exit(1);
        },
      );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  await started;
}
