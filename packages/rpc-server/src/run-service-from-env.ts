import type { Logger } from "pino";
import { type Closable, closeOnSignals } from "./close-on-signals.js";

export interface RunServiceFromEnvOptions<Config> {
  /** Where the fatal, stopping and shutdown-failed lines go (e.g. `createLogger("isa-x")`). */
  logger: Logger;
  /** Reads the configuration; a throw is logged as fatal and exits 2 (a usage error). */
  config: () => Config;
  /** Starts the service; a rejection is logged as fatal with `startFailedMessage` and exits 1. */
  start: (config: Config) => Promise<Closable>;
  /** e.g. `"analytics service failed to start"`. */
  startFailedMessage: string;
  /** Logged with the signal when stopping, e.g. `"stopping: finishing calls"`. */
  stoppingMessage: string;
}

/**
 * A service bin's body: read the configuration, start, and stop gracefully on SIGTERM or
 * SIGINT (handlers are in before the start settles, see `closeOnSignals`). Resolves once
 * the service is started.
 */
export async function runServiceFromEnv<Config>(
  options: RunServiceFromEnvOptions<Config>,
): Promise<void> {
  const { logger } = options;
  let config: Config;
  try {
    config = options.config();
  } catch (err) {
    logger.fatal((err as Error).message);
    process.exit(2);
  }
  const started = options.start(config).catch((err: Error) => {
    logger.fatal({ err }, options.startFailedMessage);
    process.exit(1);
  });
  closeOnSignals(started, {
    onSignal: (signal) => logger.info({ signal }, options.stoppingMessage),
    onError: (err) => logger.error({ err }, "shutdown failed"),
  });
  await started;
}
