import { dataServiceConfigFromEnv, resultCacheOption } from "./config.js";
import { DataService } from "./data-service.js";
import { StorageService } from "./storage-service.js";

type Env = Record<string, string | undefined>;

let storageService: StorageService | undefined;
let dataService: DataService | undefined;

/**
 * The process's StorageService, built from the environment on first use (the
 * guide's get_storage_service). Later calls return the same instance whatever `env`.
 */
export function getStorageService(env: Env = process.env): StorageService {
  if (!storageService) {
    const config = dataServiceConfigFromEnv(env);
    storageService = new StorageService({
      minioAddress: config.minioAddress,
      duckdbAddress: config.duckdbAddress,
      poolSize: config.poolSize,
      defaultDeadlineMs: config.defaultDeadlineMs,
    });
  }
  return storageService;
}

/** The process's DataService over getStorageService() (the guide's get_data_service). */
export function getDataService(env: Env = process.env): DataService {
  if (!dataService) {
    const config = dataServiceConfigFromEnv(env);
    dataService = new DataService(getStorageService(env), {
      bucket: config.bucket,
      queryMaxRows: config.queryMaxRows,
      resultCache: resultCacheOption(config),
    });
  }
  return dataService;
}

/** Closes and forgets both instances, so the next get builds fresh ones (tests, reconfiguration). */
export function resetServices(): void {
  storageService?.close();
  storageService = undefined;
  dataService = undefined;
}
