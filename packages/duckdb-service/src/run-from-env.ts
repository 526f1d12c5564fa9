import { createLogger } from "@isa-cloud/rpc-server";
import { duckdbConfigFromEnv } from "./config.js";
import { startDuckdbService } from "./start.js";

/** The bin's body: start from the environment, stop gracefully on SIGTERM/SIGINT. */
export async function runFromEnv(): Promise<void> {
  const logger = createLogger("isa-duckdb-service");
  let config: ReturnType<typeof duckdbConfigFromEnv>;
  try {
    config = duckdbConfigFromEnv();
  } catch (err) {
    logger.fatal((err as Error).message);
    process.exit(2);
  }
  // Handlers go in before the service starts: whoever waits for its "listening" line may
  // signal at once, and a signal during start-up must still stop it cleanly.
  const started = startDuckdbService({ ...config, logger }).catch((err: Error) => {
    logger.fatal({ err }, "analytics service failed to start");
    process.exit(1);
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping: finishing calls, then checkpointing every open database");
    started
      .then((service) => service.close())
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
