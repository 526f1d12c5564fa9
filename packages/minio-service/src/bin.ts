#!/usr/bin/env node
import { minioConfigFromEnv } from "./config.js";
import { startMinioService } from "./start.js";

let config: ReturnType<typeof minioConfigFromEnv>;
try {
  config = minioConfigFromEnv();
} catch (err) {
  console.error(`isa-minio-service: ${(err as Error).message}`);
  process.exit(2);
}

// Handlers go in before the service starts: whoever waits for its "listening" line may
// signal at once, and a signal during start-up must still stop it cleanly.
const started = startMinioService(config);
let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    started
      .then((service) => service.close())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          console.error(err);
          process.exit(1);
        },
      );
  });
}
await started;
