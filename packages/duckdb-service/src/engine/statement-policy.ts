import {
  type DuckDBConnection,
  type DuckDBPreparedStatement,
  StatementType,
} from "@duckdb/node-api";
import { ServerError, Status } from "nice-grpc";
import { splitExplain } from "./explain-syntax.js";
import type { QueryGuard } from "./query-guard.js";

/** A statement of user SQL as the policy sees it. */
export interface StatementKind {
  /** DuckDB's type of the prepared statement. */
  type: StatementType;
  /**
   * For EXPLAIN: the statement it explains and whether it runs it. EXPLAIN ANALYZE runs
   * its statement, so every rule applies to that statement as if it came alone.
   */
  explained?: { type: StatementType; analyze: boolean };
}

/** What `read_only` lets through, for messages. */
export const READ_ONLY_STATEMENTS =
  "SELECT (also FROM, VALUES, WITH, DESCRIBE, SHOW, SUMMARIZE and the PRAGMAs that read, such as table_info) and EXPLAIN; EXPLAIN ANALYZE only of those";

const SETTINGS_FIXED =
  "settings are fixed per database: connections are pooled, and what one call turns on (profiling, logging, progress output) would stay for the next";

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
 * The statement of `prepared`, looking inside EXPLAIN. `text` is the statement's SQL when
 * it is its request's only statement; DuckDB gives no way to find one statement's text in
 * a script, so an EXPLAIN among others is refused.
 */
export async function classifyStatement(
  conn: DuckDBConnection,
  guard: QueryGuard,
  prepared: DuckDBPreparedStatement,
  text: string | undefined,
): Promise<StatementKind> {
  const type = prepared.statementType;
  if (type !== StatementType.EXPLAIN) return { type };
  if (text === undefined) {
    throw new ServerError(
      Status.INVALID_ARGUMENT,
      "EXPLAIN must be the only statement of its request",
    );
  }
  const unclear = new ServerError(
    Status.INVALID_ARGUMENT,
    "cannot tell which statement this EXPLAIN explains: write EXPLAIN [ANALYZE] <statement>, " +
      "or EXPLAIN (FORMAT json, ANALYZE) <statement>, with nothing else in between",
  );
  const parts = splitExplain(text);
  if (!parts) throw unclear;
  // Prepared, never run: DuckDB binds and plans it, so its type is what ANALYZE would run.
  const inner = await guard
    .run(() => conn.extractStatements(parts.inner))
    .catch(() => {
      throw unclear;
    });
  if (inner.count !== 1) throw unclear;
  const explained = await guard.run(() => inner.prepare(0));
  try {
    return { type, explained: { type: explained.statementType, analyze: parts.analyze } };
  } finally {
    explained.destroySync();
  }
}

/**
 * Refuses statements user SQL must not run, before they run. The engine settings refuse
 * most of them too; this gives a clear message and also covers what the settings allow
 * (attaching an in-memory database, COPY into the staging directory, PRAGMAs that switch
 * on profiling or logging despite the configuration lock). Transaction control is
 * refused outside ExecuteBatch because connections are pooled: a BEGIN left open would
 * leak into the next call, as would a PREPAREd statement.
 */
export function checkStatementAllowed(kind: StatementKind, allowTransactionControl = false): void {
  checkType(kind.type, allowTransactionControl);
  // A plain EXPLAIN runs nothing, but is held to the same rules: it never needs more.
  if (kind.explained) checkType(kind.explained.type, allowTransactionControl);
}

function checkType(type: StatementType, allowTransactionControl: boolean): void {
  const refused = REFUSED[type];
  if (refused) throw new ServerError(Status.PERMISSION_DENIED, refused);
  if (type === StatementType.PRAGMA) {
    // The PRAGMAs that read (table_info, show_tables, version, ...) reach here as SELECTs:
    // DuckDB rewrites them when it splits the statements. The rest switch things on
    // (profiling, progress bars, verification) or run maintenance (import_database).
    throw new ServerError(
      Status.INVALID_ARGUMENT,
      `this PRAGMA changes how the database runs and is not allowed: ${SETTINGS_FIXED}`,
    );
  }
  if (type === StatementType.PREPARE || type === StatementType.EXECUTE) {
    throw new ServerError(
      Status.INVALID_ARGUMENT,
      "PREPARE and EXECUTE are not allowed: use PrepareStatement, whose id works on every connection " +
        "(a prepared statement would stay on one pooled connection, and would hide what it runs)",
    );
  }
  if (type === StatementType.TRANSACTION && !allowTransactionControl) {
    throw new ServerError(
      Status.INVALID_ARGUMENT,
      "BEGIN, COMMIT and ROLLBACK run only in ExecuteBatch: every other call is its own transaction",
    );
  }
}

/** Statements that cannot change the database, so a call of only these leaves it clean. */
export function isReadOnly(kind: StatementKind): boolean {
  if (kind.type === StatementType.SELECT) return true;
  if (kind.type !== StatementType.EXPLAIN) return false;
  return !kind.explained?.analyze || kind.explained.type === StatementType.SELECT;
}

/** `read_only`: refuses a statement `isReadOnly` does not pass, before it runs. */
export function assertReadOnly(kind: StatementKind): void {
  if (isReadOnly(kind)) return;
  const what = kind.explained?.analyze
    ? `EXPLAIN ANALYZE of ${StatementType[kind.explained.type]}, which runs it`
    : StatementType[kind.type];
  throw new ServerError(
    Status.INVALID_ARGUMENT,
    `read_only is set and the statement is not read-only (${what}); allowed: ${READ_ONLY_STATEMENTS}`,
  );
}

// Functions found by name in the text of user SQL, since a SELECT can call them: DuckDB's
// prepared statement tells only "SELECT". Words are matched anywhere, in strings and
// comments too: a mention in a literal is refused with the call, never a call let through.
const SETTINGS_WORDS = [
  // PRAGMA, SET and table-function forms that the configuration lock does not stop, or
  // that print to the server's stdout
  "enable_profiling",
  "disable_profiling",
  "enable_profile",
  "disable_profile",
  "profiling_output",
  "profile_output",
  "profiling_mode",
  "profiling_coverage",
  "custom_profiling_settings",
  "all_profiling_output",
  "enable_progress_bar",
  "disable_progress_bar",
  "enable_progress_bar_print",
  "enable_print_progress_bar",
  "disable_print_progress_bar",
  "progress_bar_time",
  "explain_output",
  "enable_logging",
  "disable_logging",
  "truncate_duckdb_logs",
  "log_query_path",
  "logging_storage",
  "logging_level",
  "logging_mode",
  "enabled_log_types",
  "disabled_log_types",
  "enable_http_logging",
  "http_logging_output",
];
const DISCLOSING_WORDS = [
  // absolute server paths (the database file, its WAL and temporary files, staging),
  // with the engine's own views over them (a test keeps this list closed over them)
  "duckdb_settings",
  "pg_settings",
  "duckdb_databases",
  "database_list",
  "pragma_database_list",
  "pg_database",
  "duckdb_profiling_settings",
  "duckdb_temporary_files",
  "duckdb_extensions",
  "duckdb_secrets",
  "which_secret",
  // what other members' calls ran, once logging is on
  "duckdb_logs",
  "duckdb_logs_parsed",
  "duckdb_log_contexts",
  // SQL given as text and bound there, out of sight of these checks
  "query_table",
  "histogram_values",
  "json_execute_serialized_sql",
  "json_serialize_plan",
];
const REFUSED_WORDS = new Map<string, [Status, string]>([
  ...SETTINGS_WORDS.map((w): [string, [Status, string]] => [
    w,
    [Status.INVALID_ARGUMENT, `${w} is not allowed: ${SETTINGS_FIXED}`],
  ]),
  ...DISCLOSING_WORDS.map((w): [string, [Status, string]] => [
    w,
    [
      Status.PERMISSION_DENIED,
      `${w} is not allowed: it shows the server's files or other calls, or runs SQL these checks cannot see`,
    ],
  ]),
]);

// Settings whose value is a server path. current_setting() is bound to a constant before
// anything could see its argument, so only a literal name is accepted.
const PATH_SETTINGS = new Set([
  "allowed_directories",
  "allowed_paths",
  "temp_directory",
  "secret_directory",
  "extension_directory",
  "extension_directories",
  "home_directory",
  "file_search_path",
]);
const WORDS = /[A-Za-z_][A-Za-z0-9_$]*/g;
const SETTING_CALL = /current_setting\s*\(\s*'([A-Za-z_]+)'\s*\)/iy;
// query('SELECT ...') runs its argument; a column called query stays usable.
const QUERY_CALL = /query["\s]*(\(|\/\*|--)/iy;
const CALL_OPEN = /\s*\(/y;

/**
 * Refuses SQL text that calls a function the sandbox cannot allow: ones that switch on
 * profiling or logging (the configuration lock does not cover them, and they would stick
 * to pooled connections), ones that show server paths, and ones that run SQL given as a
 * string. DuckDB offers no way to hide its own file paths from the database's user: it
 * resolves every path it is given to an absolute one, and has no working directory per
 * database, so the functions that show them are refused instead.
 */
export function checkSqlText(sql: string): void {
  for (const match of sql.matchAll(WORDS)) {
    const word = match[0].toLowerCase();
    const refused = REFUSED_WORDS.get(word);
    if (refused) throw new ServerError(...refused);
    if (word === "query") {
      QUERY_CALL.lastIndex = match.index;
      if (QUERY_CALL.test(sql)) {
        throw new ServerError(
          Status.PERMISSION_DENIED,
          "query() is not allowed: it runs SQL given as a string, out of sight of these checks",
        );
      }
    } else if (word === "histogram" && !isOneArgumentCall(sql, match.index + word.length)) {
      // The aggregate takes one argument; the table macro of the same name,
      // histogram(<table name>, <column>), reads any view by a name computed at bind time.
      throw new ServerError(
        Status.PERMISSION_DENIED,
        "histogram(<table>, <column>) is not allowed: it reads a table named by a string; " +
          "the histogram(<column>) aggregate works",
      );
    } else if (word === "current_setting") {
      SETTING_CALL.lastIndex = match.index;
      const name = SETTING_CALL.exec(sql)?.[1]?.toLowerCase();
      if (!name || PATH_SETTINGS.has(name)) {
        throw new ServerError(
          Status.PERMISSION_DENIED,
          name
            ? `current_setting('${name}') is not allowed: its value is a server path`
            : "current_setting takes one setting name as a string literal, e.g. current_setting('threads')",
        );
      }
    }
  }
}

/**
 * Whether the text after a function name is a call with one argument (or no call at all),
 * read conservatively: quotes other than plain '...' strings, comments, `$` and
 * backslashes count as "not sure", so a second argument cannot hide from this reading.
 */
function isOneArgumentCall(sql: string, from: number): boolean {
  CALL_OPEN.lastIndex = from;
  if (!CALL_OPEN.test(sql)) return true;
  let depth = 0;
  for (let at = CALL_OPEN.lastIndex - 1; at < sql.length; at++) {
    const c = sql[at]!;
    if (c === "'") {
      const end = sql.indexOf("'", at + 1);
      if (end < 0 || sql.slice(at, end).includes("\\")) return false;
      at = end;
    } else if (sql.startsWith("/*", at) || sql.startsWith("--", at)) {
      return false;
    } else if (c === "(") {
      depth++;
    } else if (c === ")") {
      depth--;
      if (depth === 0) return true;
    } else if (c === "," && depth === 1) {
      return false;
    } else if (!/[\w\s.,+\-*/%<>=!:[\]]/.test(c)) {
      return false;
    }
  }
  return false;
}
