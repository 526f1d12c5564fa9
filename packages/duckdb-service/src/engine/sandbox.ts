import { DuckDBInstance, StatementType } from "@duckdb/node-api";
import { ServerError, Status } from "nice-grpc";

/** Per-database engine limits (CreateDatabase `config`, else the service defaults). */
export interface DatabaseLimits {
  /** DuckDB memory_limit, e.g. "512MB". */
  memoryLimit: string;
  /** DuckDB worker threads of this database. */
  threads: number;
}

/** A DuckDB string literal; only ever used for paths and values the service itself makes. */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * Opens a database file with the sandbox on. DuckDB accepts the settings only in this
 * order: the allowed directory (the database's own staging directory, where imports are
 * downloaded and exports written) while file access is still on, then external access off,
 * then the lock, after which no SET or PRAGMA of any connection can loosen them.
 * `allowed_directories` cannot be given at open time (the C API refuses list-valued
 * options), hence the three statements; the instance is not handed out before they ran.
 */
export async function openSandboxedInstance(
  path: string,
  stagingDir: string,
  limits: DatabaseLimits,
): Promise<DuckDBInstance> {
  const instance = await DuckDBInstance.create(path, {
    autoinstall_known_extensions: "false",
    autoload_known_extensions: "false",
    allow_community_extensions: "false",
    memory_limit: limits.memoryLimit,
    threads: String(limits.threads),
  });
  try {
    const setup = await instance.connect();
    try {
      const dir = stagingDir.endsWith("/") ? stagingDir : `${stagingDir}/`;
      await setup.run(`SET allowed_directories = [${sqlString(dir)}]`);
      await setup.run("SET enable_external_access = false");
      await setup.run("SET lock_configuration = true");
      const check = await setup.runAndReadAll(
        "SELECT current_setting('enable_external_access'), current_setting('lock_configuration')",
      );
      const [external, locked] = check.getRows()[0] ?? [];
      if (external !== false || locked !== true) {
        throw new Error(`sandbox settings did not take: external=${external} locked=${locked}`);
      }
    } finally {
      setup.closeSync();
    }
    return instance;
  } catch (err) {
    instance.closeSync();
    throw err;
  }
}

const REFUSED: Partial<Record<StatementType, string>> = {
  [StatementType.ATTACH]: "ATTACH is not allowed: each database is isolated",
  [StatementType.DETACH]: "DETACH is not allowed: each database is isolated",
  [StatementType.LOAD]:
    "INSTALL and LOAD are not allowed: the built-in extensions (json, parquet, icu) are always loaded",
  [StatementType.UPDATE_EXTENSIONS]: "extensions cannot be updated",
  [StatementType.EXTENSION]: "extension statements are not allowed",
  [StatementType.SET]:
    "SET, RESET, USE and setting PRAGMAs are not allowed: settings are fixed per database",
  [StatementType.COPY]:
    "COPY reads or writes server files and is not allowed: use ImportFromMinIO, ImportData or ExportToMinIO",
  [StatementType.EXPORT]: "EXPORT DATABASE is not allowed: use BackupDatabase or ExportToMinIO",
  [StatementType.COPY_DATABASE]: "COPY FROM DATABASE is not allowed: each database is isolated",
};

/**
 * Refuses statements user SQL must not run, before they run. The engine settings refuse
 * most of them too; this gives a clear message and also covers what the settings allow
 * (attaching an in-memory database, COPY into the staging directory). Transaction control
 * is refused outside ExecuteBatch because connections are pooled: a BEGIN left open would
 * leak into the next call.
 */
export function checkStatementAllowed(type: StatementType, allowTransactionControl = false): void {
  const refused = REFUSED[type];
  if (refused) throw new ServerError(Status.PERMISSION_DENIED, refused);
  if (type === StatementType.TRANSACTION && !allowTransactionControl) {
    throw new ServerError(
      Status.INVALID_ARGUMENT,
      "BEGIN, COMMIT and ROLLBACK run only in ExecuteBatch: every other call is its own transaction",
    );
  }
}

/** Statement types that cannot change the database, so a call of only these leaves it clean. */
export function isReadOnly(type: StatementType): boolean {
  return type === StatementType.SELECT || type === StatementType.EXPLAIN;
}
