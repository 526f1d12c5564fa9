import { analyticsDatabaseId } from "@isa-cloud/data-service";
import { createDuckdbClient, type DuckdbClient, NotFoundError } from "@isa-cloud/duckdb-client";
import { createMinioClient, type MinioClient } from "@isa-cloud/minio-client";
import {
  type ClientFlags,
  resolveSettings,
  type Settings,
  subjectOf,
  tokenFor,
} from "./config/settings.js";
import type { CliIo } from "./context.js";

/**
 * What a client command works with: its resolved settings, the caller's token and user,
 * and gRPC clients of storage and analytics built on first use.
 */
export interface Session {
  io: CliIo;
  settings: Settings;
  token: string;
  /** The token's subject: whose buckets and database the commands reach. */
  user: string;
  storage(): MinioClient;
  analytics(): DuckdbClient;
  /** The caller's own analytics database (the data service's name for it). */
  database: string;
  /**
   * Runs `fn` on the caller's database, creating the database first when it does not
   * exist yet: a new user's first `isa query` works.
   */
  withDatabase<T>(fn: (db: string) => Promise<T>): Promise<T>;
  close(): void;
}

/** Sessions opened during one `run`, so that errors can name the endpoint and all get closed. */
const opened = new WeakMap<CliIo, Session[]>();

export async function openSession(io: CliIo, flags: ClientFlags): Promise<Session> {
  const settings = await resolveSettings(io, flags);
  for (const warning of settings.warnings) io.stderr.write(`isa: warning: ${warning}\n`);
  const token = await tokenFor(io, settings);
  const user = subjectOf(token);
  let storage: MinioClient | undefined;
  let analytics: DuckdbClient | undefined;
  const database = analyticsDatabaseId(user);
  let databaseReady = false;
  const session: Session = {
    io,
    settings,
    token,
    user,
    database,
    storage() {
      storage ??= createMinioClient({ address: settings.storage.value!, token, poolSize: 2 });
      return storage;
    },
    analytics() {
      // Timestamps as exact microseconds: the output shows every digit DuckDB has.
      analytics ??= createDuckdbClient({
        address: settings.analytics.value!,
        token,
        timestamps: "micros",
      });
      return analytics;
    },
    async withDatabase(fn) {
      if (databaseReady) return fn(database);
      try {
        const result = await fn(database);
        databaseReady = true;
        return result;
      } catch (err) {
        if (!(err instanceof NotFoundError) || !/database/i.test(err.details)) throw err;
        await session
          .analytics()
          .createDatabase(database)
          .catch((createErr: unknown) => {
            // Created meanwhile by another command: fine.
            if (!(createErr instanceof Error && createErr.name === "AlreadyExistsError"))
              throw createErr;
          });
        databaseReady = true;
        return fn(database);
      }
    },
    close() {
      storage?.close();
      analytics?.close();
    },
  };
  const list = opened.get(io) ?? [];
  list.push(session);
  opened.set(io, list);
  return session;
}

/** The sessions `io` opened (the last one names the endpoints in error messages). */
export function sessionsOf(io: CliIo): readonly Session[] {
  return opened.get(io) ?? [];
}

export function closeSessions(io: CliIo): void {
  for (const session of opened.get(io) ?? []) session.close();
  opened.delete(io);
}
