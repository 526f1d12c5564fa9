#!/usr/bin/env node
import { closeOnSignals } from "@isa-cloud/rpc-server";
import { minioConfigFromEnv } from "./config.js";
import { startMinioService } from "./start.js";

let config: ReturnType<typeof minioConfigFromEnv>;
try {
  config = minioConfigFromEnv();
} catch (err) {
  console.error(`isa-minio-service: ${(err as Error).message}`);
  process.exit(2);
}

// Handlers go in before the service starts (see closeOnSignals).
const started = startMinioService(config);
closeOnSignals(started, { onError: (err) => console.error(err) });
await started;
