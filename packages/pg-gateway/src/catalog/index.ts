import type { PgError } from "../protocol/backend.js";
import { stripLeading } from "../sql-split.js";
import { type RewriteContext, rewriteSql } from "./rewrite.js";
import type { SessionSettings } from "./settings.js";

export type { RewriteContext } from "./rewrite.js";
export { SERVER_VERSION, SessionSettings } from "./settings.js";

/**
 * The gateway's Postgres compatibility layer: what a Postgres client sends that the
 * analytics service cannot answer as is (it speaks DuckDB SQL, with DuckDB's partial
 * pg_catalog). Each statement passes here first; the answer is one of:
 * - `rows`: answered by the gateway (SHOW of a session parameter);
 * - `command`: done by the gateway (SET of a session parameter);
 * - `sql`: run this instead, through the service as any statement (catalog rewrites);
 * - undefined: run the statement unchanged.
 * What is covered is listed in the README ("Compatibility").
 */
export type CatalogAnswer =
  | { kind: "rows"; columns: Array<{ name: string; type: string }>; rows: string[][] }
  | { kind: "command"; tag: string }
  | { kind: "error"; error: PgError }
  | { kind: "sql"; sql: string };

export interface CatalogContext extends RewriteContext {
  settings: SessionSettings;
}

export async function catalogAnswer(
  sql: string,
  ctx: CatalogContext,
): Promise<CatalogAnswer | undefined> {
  const text = stripLeading(sql).replace(/[\s;]+$/, "");
  return (
    setOrReset(text, ctx.settings) ??
    show(text, ctx.settings) ??
    psqlDescribe(text) ??
    missingCatalog(text) ??
    (await rewritten(sql, ctx))
  );
}

async function rewritten(sql: string, ctx: CatalogContext): Promise<CatalogAnswer | undefined> {
  const out = await rewriteSql(sql, ctx);
  return out === sql ? undefined : { kind: "sql", sql: out };
}

const unquote = (v: string) => v.replace(/^'(.*)'$/s, "$1").replace(/^"(.*)"$/s, "$1");

/**
 * SET / RESET of a parameter the gateway keeps. Any other SET goes on to the service,
 * whose sandbox refuses it (settings of a database are fixed there).
 */
function setOrReset(text: string, settings: SessionSettings): CatalogAnswer | undefined {
  const reset = /^RESET\s+([\w.]+)$/i.exec(text);
  if (reset) {
    if (reset[1]!.toUpperCase() === "ALL") return { kind: "command", tag: "RESET" };
    if (!settings.has(reset[1]!)) return undefined;
    settings.set(reset[1]!, undefined);
    return { kind: "command", tag: "RESET" };
  }
  const set =
    /^SET\s+(?:SESSION\s+|LOCAL\s+)?(TIME\s+ZONE|[\w.]+)\s*(?:\s+TO\s+|=|\s)\s*(.+)$/is.exec(text);
  if (!set) return undefined;
  const name = /^TIME\s+ZONE$/i.test(set[1]!) ? "timezone" : set[1]!;
  if (!settings.has(name)) return undefined;
  const value = set[2]!.trim();
  const error = settings.set(name, /^default$/i.test(value) ? undefined : unquote(value));
  return error ? { kind: "error", error } : { kind: "command", tag: "SET" };
}

function show(text: string, settings: SessionSettings): CatalogAnswer | undefined {
  const m = /^SHOW\s+(ALL|TIME\s+ZONE|[\w.]+)$/i.exec(text);
  if (!m) return undefined;
  if (m[1]!.toUpperCase() === "ALL") {
    return {
      kind: "rows",
      columns: [
        { name: "name", type: "VARCHAR" },
        { name: "setting", type: "VARCHAR" },
      ],
      rows: settings.all(),
    };
  }
  const name = /^TIME\s+ZONE$/i.test(m[1]!) ? "TimeZone" : m[1]!;
  const value = settings.get(name);
  if (value === undefined) return undefined; // DuckDB's SHOW <table> and SHOW TABLES
  return {
    kind: "rows",
    columns: [{ name: name.toLowerCase(), type: "VARCHAR" }],
    rows: [[value]],
  };
}

/**
 * psql's `\d <table>` asks for a relation's flags and columns by oid in Postgres'
 * catalog shape; both are answered from DuckDB's own catalog (duckdb_tables, duckdb_views,
 * duckdb_columns), column for column in the order psql reads them.
 */
function psqlDescribe(text: string): CatalogAnswer | undefined {
  const oid =
    /\bc\.oid\s*=\s*'(\d+)'/.exec(text)?.[1] ?? /\ba\.attrelid\s*=\s*'(\d+)'/.exec(text)?.[1];
  if (!oid) return undefined;
  if (/^SELECT c\.relchecks, c\.relkind/.test(text)) {
    return {
      kind: "sql",
      sql: `SELECT 0 AS relchecks, c.relkind, false AS relhasindex, false AS relhasrules, false AS relhastriggers, false AS relrowsecurity, false AS relforcerowsecurity, false AS relhasoids, false AS relispartition, '' AS reloptions, 0 AS reltablespace, '' AS reloftype, 'p' AS relpersistence, 'd' AS relreplident, 'heap' AS amname FROM pg_catalog.pg_class c WHERE c.oid = ${oid}`,
    };
  }
  if (
    /^SELECT a\.attname,\s+pg_catalog\.format_type/.test(text) &&
    /FROM pg_catalog\.pg_attribute a/.test(text)
  ) {
    // psql 15 reads: name, type, default, not null, collation, identity, generated (and,
    // with \d+, storage, compression, stats target, description: given as NULLs).
    const extra = /a\.attstorage/.test(text)
      ? ", 'p' AS attstorage, NULL AS attcompression, NULL AS attstattarget, comment AS description"
      : "";
    return {
      kind: "sql",
      sql: `SELECT column_name AS attname, data_type AS format_type, column_default AS "default", NOT is_nullable AS attnotnull, NULL AS attcollation, '' AS attidentity, '' AS attgenerated${extra} FROM duckdb_columns() WHERE table_oid = ${oid} ORDER BY column_index`,
    };
  }
  return undefined;
}

/**
 * Catalogs of features DuckDB does not have (row security policies, extended statistics,
 * publications, inheritance, triggers, rules) and Postgres' definition functions: a query
 * over them is answered with no rows, which is the truth for a DuckDB database. psql asks
 * for these after the columns in `\d`; each is a read of the catalog, never of data.
 */
const MISSING =
  /\b(pg_policy|pg_statistic_ext|pg_publication|pg_inherits|pg_trigger|pg_rewrite|pg_partitioned_table|pg_get_indexdef|pg_get_constraintdef|pg_get_triggerdef|pg_event_trigger|pg_foreign_table|pg_get_statisticsobjdef_columns)\b/;

function missingCatalog(text: string): CatalogAnswer | undefined {
  if (!/^SELECT\b/i.test(text) || !MISSING.test(text)) return undefined;
  return { kind: "rows", columns: [{ name: "?column?", type: "VARCHAR" }], rows: [] };
}
