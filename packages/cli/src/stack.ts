import type { ApiHandle } from "@isa-cloud/api";
import type { StackEvent as ServicesEvent } from "@isa-cloud/stack";

export type ServiceName = "storage" | "analytics" | "postgres" | "api";
/**
 * @isa-cloud/stack's STACK_SERVICES, then the Postgres endpoint and the API. Written out
 * rather than imported so that every `isa` command does not load the services' modules
 * (a second of start-up per command); test/stack.test.ts checks that they agree.
 */
export const SERVICE_NAMES: readonly ServiceName[] = ["storage", "analytics", "postgres", "api"];

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
  /** The Postgres wire endpoint, unless DUCKDB_PG_ENABLED=false. */
  postgres?: { port: number; address: string };
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
  const { STACK_SERVICES, startServices, timedStart } = await import("@isa-cloud/stack");
  const wanted = (name: ServiceName) => options.only === undefined || options.only === name;
  const services = await startServices({
    env: options.env,
    dataDir: options.dataDir,
    services: STACK_SERVICES.filter(wanted),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const closers = [() => services.close()];
  const handle: StackHandle = {
    ...(services.storage ? { storage: services.storage } : {}),
    ...(services.analytics ? { analytics: services.analytics } : {}),
    async close() {
      for (const close of closers.splice(0).reverse()) await close();
    },
  };

  try {
    if (wanted("postgres")) {
      const postgres = await startPostgres(services.env, options.onProgress);
      if (postgres) {
        closers.push(() => postgres.close());
        handle.postgres = { port: postgres.port, address: postgres.address };
      }
    }
  } catch (err) {
    await handle.close().catch(() => {});
    throw err;
  }
  if (!wanted("api")) return handle;

  try {
    // The API finds the services where they really listen (services.env).
    const { apiConfigFromEnv, operationsFromEnv, startApi } = await import("@isa-cloud/api");
    const config = apiConfigFromEnv(services.env);
    const operations = operationsFromEnv(services.env);
    const { result: api, ms } = await timedStart(
      "api",
      () => startApi(config, operations),
      options.onProgress,
    );
    options.onProgress?.({
      service: "api",
      phase: "ready",
      address: api.url,
      ms,
      detail: `docs at ${api.url}/docs`,
    });
    closers.push(() => api.close());
    return { ...handle, api };
  } catch (err) {
    await handle.close().catch(() => {});
    throw err;
  }
}

/** The Postgres wire endpoint in front of analytics, unless DUCKDB_PG_ENABLED=false. */
async function startPostgres(
  env: Record<string, string | undefined>,
  onProgress: ((event: StackEvent) => void) | undefined,
) {
  const { timedStart } = await import("@isa-cloud/stack");
  const { pgGatewayConfigFromEnv, startPgGateway } = await import("@isa-cloud/pg-gateway");
  const config = pgGatewayConfigFromEnv(env);
  if (config.enabled === false) return undefined;
  const { result, ms } = await timedStart("postgres", () => startPgGateway(config), onProgress);
  const { connectableHost, formatHostPort } = await import("@isa-cloud/rpc/wire");
  const host = connectableHost(config.host);
  const address = formatHostPort(host, result.port);
  onProgress?.({
    service: "postgres",
    phase: "ready",
    address,
    ms,
    detail: `psql "host=${host} port=${result.port} user=<you> dbname=analytics" (password: a token)`,
  });
  return { port: result.port, address, close: () => result.close() };
}
