import { randomBytes } from "node:crypto";
import { stat } from "node:fs/promises";
import { basename, extname, resolve } from "node:path";
import { type DataFormat, NotFoundError } from "@isa-cloud/duckdb-client";
import type { Command } from "commander";
import type { ClientFlags } from "../config/settings.js";
import { type CliIo, UsageError } from "../context.js";
import { localDestination, openOutput } from "../output/target.js";
import { createSink } from "../output/writers.js";
import { formatBytes, progressBar } from "../progress.js";
import { formatRemote, isRemote, parseRemote, REMOTE_SCHEME } from "../remote-path.js";
import { openSession, type Session } from "../session.js";
import { runQuery } from "../sql/run-query.js";
import { examples, withClientOptions } from "./client-options.js";
import { ensureBucket } from "./copy.js";
import { parseParam } from "./query.js";

const FORMATS: readonly DataFormat[] = ["csv", "json", "parquet"];

/** --format, else the file's extension (.csv, .json/.jsonl/.ndjson, .parquet). */
export function dataFormatOf(name: string, flag: string | undefined): DataFormat {
  if (flag !== undefined) {
    if (!(FORMATS as readonly string[]).includes(flag)) {
      throw new UsageError(`--format takes one of ${FORMATS.join(", ")}; got "${flag}"`);
    }
    return flag as DataFormat;
  }
  const ext = extname(name).toLowerCase();
  if (ext === ".csv" || ext === ".tsv") return "csv";
  if (ext === ".json" || ext === ".jsonl" || ext === ".ndjson") return "json";
  if (ext === ".parquet") return "parquet";
  throw new UsageError(
    `cannot tell the format of "${name}" from its extension: pass --format ${FORMATS.join("|")}`,
  );
}

export function checkTableName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) {
    throw new UsageError(
      `"${name}" is not a table name: letters, digits and "_", not starting with a digit`,
    );
  }
  return name;
}

/** The table a file goes to by default: its name without extension, made an identifier. */
export function tableFromFile(name: string): string {
  const stem = basename(name)
    .replace(/\.[^.]*$/, "")
    .replace(/[^A-Za-z0-9_]/g, "_");
  return checkTableName(/^[0-9]/.test(stem) ? `t_${stem}` : stem || "imported");
}

async function tableExists(session: Session, db: string, table: string): Promise<boolean> {
  try {
    await session.analytics().getTableSchema(db, table);
    return true;
  } catch (err) {
    if (err instanceof NotFoundError) return false;
    throw err;
  }
}

interface ImportFlags extends ClientFlags {
  format?: string;
  replace?: boolean;
  append?: boolean;
}

/**
 * Loads the file into a staging table, then makes it the table in one step (rename,
 * replace in a transaction, or INSERT ... BY NAME): a file with a bad row, or an
 * interrupted upload, leaves the table as it was.
 */
async function importInto(
  io: CliIo,
  session: Session,
  source: string,
  table: string,
  flags: ImportFlags,
) {
  if (flags.replace && flags.append)
    throw new UsageError("--replace and --append exclude each other");
  const format = dataFormatOf(source, flags.format);
  const remote = isRemote(source) ? parseRemote(source) : undefined;
  let size = 0;
  if (!remote) {
    const info = await stat(source).catch(() => undefined);
    if (!info?.isFile()) throw new UsageError(`${source} is not a file`);
    size = info.size;
  }
  const staging = `_isa_import_${randomBytes(6).toString("hex")}`;
  const analytics = session.analytics();
  return session.withDatabase(async (db) => {
    const exists = await tableExists(session, db, table);
    if (exists && !flags.replace && !flags.append) {
      throw new UsageError(
        `table ${table} exists: add --append to add rows, or --replace to replace it`,
      );
    }
    if (!exists && flags.append)
      throw new UsageError(`table ${table} does not exist: drop --append to create it`);
    const signal = io.signal ? { signal: io.signal } : {};
    const progress = progressBar(io, "import", flags);
    try {
      if (remote) {
        await analytics.importFromStorage(db, staging, remote.bucket, remote.key, {
          format,
          createTable: true,
          ...signal,
        });
      } else {
        progress.grow(size, 1);
        let last = 0;
        await analytics.importData(db, staging, source, {
          format,
          ...signal,
          onProgress: ({ bytes }) => {
            progress.advance(bytes - last);
            last = bytes;
          },
        });
      }
      progress.stop();
      const q = `"${table}"`;
      const statements = flags.append
        ? [`INSERT INTO ${q} BY NAME SELECT * FROM "${staging}"`]
        : [...(exists ? [`DROP TABLE ${q}`] : []), `ALTER TABLE "${staging}" RENAME TO ${q}`];
      await analytics.executeBatch(db, statements, { transaction: true });
      const { rows } = await analytics.query<{ n: bigint }>(db, `SELECT count(*) AS n FROM ${q}`);
      return { table, format, rows: rows[0]?.n ?? 0n, bytes: size };
    } finally {
      progress.stop();
      await analytics.dropTable(db, staging, { ifExists: true }).catch(() => {});
    }
  });
}

export function registerImportExport(program: Command, io: CliIo): void {
  withClientOptions(
    program
      .command("import")
      .description(
        "load a local file or a stored object (csv, json, parquet) into a table of your database",
      )
      .argument("<source>", `a local file or ${REMOTE_SCHEME}bucket/key`)
      .argument("[table]", "table name (default: the file's name)")
      .option("--format <format>", "csv, json or parquet (default: from the extension)")
      .option("--replace", "replace the table if it exists")
      .option("--append", "add the rows to an existing table (columns matched by name)")
      .addHelpText(
        "after",
        examples(
          "isa import events.csv",
          `isa import ${REMOTE_SCHEME}data/raw/events.parquet events --replace`,
        ),
      ),
  ).action(async (source: string, table: string | undefined, flags: ImportFlags) => {
    const name = checkTableName(
      table ?? tableFromFile(isRemote(source) ? parseRemote(source).key : source),
    );
    const session = await openSession(io, flags);
    const path = isRemote(source) ? source : resolve(io.cwd, source);
    const result = await importInto(io, session, path, name, flags);
    if (!flags.quiet) {
      io.stdout.write(
        `imported ${source} (${result.format}${result.bytes ? `, ${formatBytes(result.bytes)}` : ""}) into ${result.table}: ${result.rows} rows\n`,
      );
    }
  });

  withClientOptions(
    program
      .command("export")
      .description("write a query's result to a local file or a stored object (csv, json, parquet)")
      .argument("<sql>", "the query")
      .argument("<destination>", `a local file, - for stdout, or ${REMOTE_SCHEME}bucket/key`)
      .option("--format <format>", "csv, json or parquet (default: from the extension)")
      .option("-p, --param <name=value>", "bind $name (repeatable)", parseParam, {})
      .option("--overwrite", "replace an existing stored object")
      .addHelpText(
        "after",
        examples(
          `isa export "SELECT * FROM events" events.parquet`,
          `isa export "SELECT * FROM events WHERE date >= \\$d" ${REMOTE_SCHEME}data/out/jan.csv -p d=2024-01-01`,
        ),
      ),
  ).action(
    async (
      sql: string,
      destination: string,
      flags: ClientFlags & { format?: string; param: Record<string, unknown>; overwrite?: boolean },
    ) => {
      const session = await openSession(io, flags);
      const analytics = session.analytics();
      if (isRemote(destination)) {
        const remote = parseRemote(destination);
        if (remote.key === "" || remote.key.endsWith("/"))
          throw new UsageError(`${destination} needs an object name`);
        const format = dataFormatOf(remote.key, flags.format);
        if (Object.keys(flags.param).length > 0) {
          throw new UsageError(
            "--param works for local csv and json exports: the storage export takes plain SQL",
          );
        }
        const result = await session.withDatabase((db) =>
          analytics.exportToStorage(db, sql, remote.bucket, remote.key, {
            format,
            overwrite: Boolean(flags.overwrite),
          }),
        );
        if (!flags.quiet)
          io.stdout.write(
            `exported ${result.rowsExported} rows to ${formatRemote(remote)} (${formatBytes(result.fileSize)})\n`,
          );
        return;
      }
      const format =
        destination === "-"
          ? ((flags.format ?? "csv") as DataFormat)
          : dataFormatOf(destination, flags.format);
      if (format === "parquet") {
        if (destination === "-") throw new UsageError("parquet to stdout: give a file name");
        if (Object.keys(flags.param).length > 0) {
          throw new UsageError(
            "--param works for csv and json exports: Parquet is written by the server from plain SQL",
          );
        }
        // Only the server writes Parquet: through a temporary object in your bucket, then down.
        const file = await localDestination(io, destination);
        const bucket = session.settings.bucket.value!;
        const key = `.isa-export/${randomBytes(8).toString("hex")}.parquet`;
        await ensureBucket(session, bucket);
        const result = await session.withDatabase((db) =>
          analytics.exportToStorage(db, sql, bucket, key, { format }),
        );
        try {
          await session
            .storage()
            .downloadToFile(bucket, key, file, io.signal ? { signal: io.signal } : {});
        } finally {
          await session
            .storage()
            .deleteObject(bucket, key)
            .catch(() => {});
        }
        if (!flags.quiet)
          io.stderr.write(
            `exported ${result.rowsExported} rows to ${file} (${formatBytes(result.fileSize)})\n`,
          );
        return;
      }
      const target = await openOutput(io, destination);
      try {
        const sink = createSink(format === "json" ? "jsonl" : "csv", target.stream);
        const result = await runQuery(
          session,
          sql,
          flags.param,
          sink,
          io.signal ? { signal: io.signal } : {},
        );
        await target.commit();
        if (!flags.quiet && target.path)
          io.stderr.write(`exported ${result.rowCount} rows to ${target.path}\n`);
      } catch (err) {
        await target.discard();
        throw err;
      }
    },
  );
}
