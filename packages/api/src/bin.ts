#!/usr/bin/env node
// isa-api: the HTTP API alone, configured from the environment (and ./.env).
import { ConfigError } from "@isa-cloud/rpc/wire";
import { createLogger } from "@isa-cloud/rpc-server";
import { apiConfigFromEnv, loadEnvFile } from "./config.js";
import { startApi } from "./server.js";

loadEnvFile();
const logger = createLogger("isa-api");

let config: ReturnType<typeof apiConfigFromEnv>;
try {
  config = apiConfigFromEnv();
} catch (err) {
  // A bad setting is the operator's to fix: say which, and exit as a usage error.
  process.stderr.write(`isa-api: ${(err as Error).message}\n`);
  process.exit(err instanceof ConfigError ? 2 : 1);
}

let api: Awaited<ReturnType<typeof startApi>>;
try {
  api = await startApi(config);
} catch (err) {
  process.stderr.write(`isa-api: could not start: ${(err as Error).message}\n`);
  process.exit(1);
}

const stop = async (signal: NodeJS.Signals) => {
  // A second signal while draining means "now".
  process.once("SIGINT", () => process.exit(130));
  process.once("SIGTERM", () => process.exit(143));
  logger.info({ signal }, "stopping: letting requests in flight finish");
  await api.close();
  logger.info("stopped");
  process.exit(0);
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
// Only now: whoever waits for this line may signal at once, and the handlers must be there.
logger.info({ url: api.url, port: api.port }, "isa-api ready");
