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

const service = await startMinioService(config);

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    service.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  });
}
