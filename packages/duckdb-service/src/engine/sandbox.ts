import { DuckDBInstance } from "@duckdb/node-api";
import { sqlString } from "./sql-text.js";

/** Per-database engine limits (CreateDatabase `config`, else the service defaults). */
export interface DatabaseLimits {
  /** DuckDB memory_limit, e.g. "512MB". */
  memoryLimit: string;
  /** DuckDB worker threads of this database. */
  threads: number;
}

/**
 * The WAL must only grow between the service's checkpoints (multi-node mode ships it as
 * segments, and the segments concatenated must be the WAL): no checkpoint when the WAL
 * passes a size, none instead of the WAL for a large commit, and no large append written
 * to the database file ahead of its commit (the WAL would then point at blocks that only
 * this node's file has). Checked against DuckDB 1.5.6's settings.
 */
const SERVICE_CHECKPOINTS = {
  checkpoint_threshold: "1000TB",
  auto_checkpoint_skip_wal_threshold: String(2n ** 62n),
  enable_optimistic_write: "false",
};

/**
 * One node: DuckDB folds the WAL into the file itself once it passes 1 MB (its default is
 * 16 MB). Rows appended since the last checkpoint stay uncompressed in memory, and an
 * aggregate over them costs about twice the CPU (100,000 imported events grouped by a
 * VARCHAR: 2.5 ms against 1.2 ms once checkpointed), so an import is compressed at its
 * commit instead of up to `checkpointIntervalMs` later. Local only: the upload still waits
 * for the service's checkpoint, which `dirty` keeps due.
 */
const NODE_CHECKPOINTS = { checkpoint_threshold: "1MB" };

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
  opts: { serviceCheckpoints?: boolean } = {},
): Promise<DuckDBInstance> {
  const instance = await DuckDBInstance.create(path, {
    autoinstall_known_extensions: "false",
    autoload_known_extensions: "false",
    allow_community_extensions: "false",
    allow_persistent_secrets: "false",
    // Both default to directories under the server's home (~/.duckdb), which settings and
    // error messages would then show; nothing is installed or stored in either.
    extension_directory: stagingDir,
    secret_directory: stagingDir,
    memory_limit: limits.memoryLimit,
    threads: String(limits.threads),
    ...(opts.serviceCheckpoints ? SERVICE_CHECKPOINTS : NODE_CHECKPOINTS),
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
