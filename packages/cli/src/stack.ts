import { type ApiHandle, apiConfigFromEnv, startApi } from "@isa-cloud/api";
import {
  type StackEvent as ServicesEvent,
  STACK_SERVICES,
  startServices,
  timedStart,
} from "@isa-cloud/stack";

export type ServiceName = "storage" | "analytics" | "api";
export const SERVICE_NAMES: readonly ServiceName[] = [...STACK_SERVICES, "api"];

export interface StackOptions {
  /** Environment the services read their settings from (ports, hosts, auth, limits). */
  env: Record<string, string | undefined>;
  /** Root of all state: objects under `<dataDir>/objects`, DuckDB's cache under `<dataDir>/duckdb`. */
  dataDir: string;
  /** Start only this service, for deployments as separate processes. Default: all three. */
  only?: ServiceName;
  /** Told when each service starts and becomes ready. */
  onProgress?: (event: StackEvent) => void;
}

export type StackEvent = ServicesEvent<ServiceName>;

export interface StackHandle {
  storage?: { port: number; httpPort: number; address: string };
  analytics?: { port: number; address: string };
  api?: ApiHandle;
  /** Stops what was started, the API first and storage last (analytics checkpoints into storage). */
  close(): Promise<void>;
}

/**
 * Starts storage, analytics and the API in this process, each on its configured
 * port (0 = any free port, and the next service is told the real one), in the
 * order they depend on each other: the services through `@isa-cloud/stack`, the API
 * on top. On failure, what already started is stopped.
 */
export async function startStack(options: StackOptions): Promise<StackHandle> {
  const wanted = (name: ServiceName) => options.only === undefined || options.only === name;
  const services = await startServices({
    env: options.env,
    dataDir: options.dataDir,
    services: STACK_SERVICES.filter(wanted),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const handle: StackHandle = {
    ...(services.storage ? { storage: services.storage } : {}),
    ...(services.analytics ? { analytics: services.analytics } : {}),
    close: () => services.close(),
  };
  if (!wanted("api")) return handle;

  try {
    // The API finds the services where they really listen (services.env).
    const config = apiConfigFromEnv(services.env);
    const { result: api, ms } = await timedStart("api", () => startApi(config), options.onProgress);
    options.onProgress?.({
      service: "api",
      phase: "ready",
      address: api.url,
      ms,
      detail: `docs at ${api.url}/docs`,
    });
    return {
      ...handle,
      api,
      async close() {
        await api.close();
        await services.close();
      },
    };
  } catch (err) {
    await services.close().catch(() => {});
    throw err;
  }
}
