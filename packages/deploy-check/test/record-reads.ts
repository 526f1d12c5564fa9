type Env = Record<string, string | undefined>;

/** Names that belong to isa-cloud's configuration (others, PATH or HOME, are not ours to list). */
export const OURS = /^(ISA_|MINIO_|DUCKDB_|API_|OTEL_|LOG_LEVEL$|NODE_ENV$|UV_THREADPOOL_SIZE$)/;

/**
 * Runs `read` over each environment in `scenarios`, seen through a proxy that records
 * every variable the reader looks at (set or not), and returns the names of ours. A
 * scenario the reader refuses (a ConfigError for a combination it forbids) still counts
 * what was read until then.
 */
export function recordReads(read: (env: Env) => unknown, scenarios: readonly Env[]): Set<string> {
  const names = new Set<string>();
  for (const scenario of scenarios) {
    const env = new Proxy(
      { ...scenario },
      {
        get(target, key) {
          if (typeof key === "string") names.add(key);
          return target[key as string];
        },
        has(target, key) {
          if (typeof key === "string") names.add(key);
          return key in target;
        },
      },
    );
    try {
      read(env);
    } catch {
      // Refused: the reads before the refusal are what counts.
    }
  }
  return new Set([...names].filter((name) => OURS.test(name)));
}
