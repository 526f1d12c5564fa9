import { mapUnquoted } from "../sql-split.js";

/** What a rewrite needs to know about the session. */
export interface RewriteContext {
  user: string;
  database: string;
  pid: number;
  /** Session parameter values, for current_setting('name'). */
  setting(name: string): string | undefined;
  version: string;
  /** The caller's database ids, for pg_database; fetched only when a query names it. */
  databases(): Promise<string[]>;
}

export const literal = (s: string) => `'${s.replaceAll("'", "''")}'`;

/**
 * Catalog relations Postgres has and DuckDB's pg_catalog lacks (or answers for DuckDB's
 * own attached databases), replaced by a subquery with the columns clients read.
 */
async function relation(name: string, ctx: RewriteContext): Promise<string | undefined> {
  switch (name) {
    case "pg_am":
      return "(SELECT 0::BIGINT AS oid, 'heap' AS amname, 't' AS amtype)";
    case "pg_database": {
      const rows = (await ctx.databases()).map(
        (db, i) =>
          `(${16384 + i}::BIGINT, ${literal(db)}, 10::BIGINT, 6, 'c', false, true, -1, 'C', 'C', NULL::VARCHAR, NULL::VARCHAR[])`,
      );
      // One NULL row keeps VALUES typed when the caller has no database; WHERE drops it.
      rows.push("(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)");
      return `(SELECT * FROM (VALUES ${rows.join(", ")}) v(oid, datname, datdba, encoding, datlocprovider, datistemplate, datallowconn, datconnlimit, datcollate, datctype, daticulocale, datacl) WHERE datname IS NOT NULL)`;
    }
    case "pg_roles":
    case "pg_user":
      return `(SELECT 10::BIGINT AS oid, 10::BIGINT AS usesysid, ${literal(ctx.user)} AS rolname, ${literal(ctx.user)} AS usename, false AS rolsuper, false AS usesuper, true AS rolcanlogin)`;
    default:
      return undefined;
  }
}

const RELATIONS = /\b(?:pg_catalog\.)?(pg_am|pg_database|pg_roles|pg_user)\b(?!\s*\()/g;

/**
 * Rewrites Postgres-only spellings in `sql` into what DuckDB runs, outside string
 * literals: catalog relations DuckDB lacks, functions that answer with the session
 * (version(), current_setting(), current_database(), current_user, pg_backend_pid(),
 * pg_get_userbyid(), pg_encoding_to_char()), and syntax psql uses (`OPERATOR(pg_catalog.~)`,
 * `COLLATE pg_catalog.default`, `pg_catalog.`-qualified function calls). Returns `sql`
 * unchanged when nothing applies.
 */
export async function rewriteSql(sql: string, ctx: RewriteContext): Promise<string> {
  if (!/pg_|version\s*\(|current_|session_user|OPERATOR\s*\(/i.test(sql)) return sql;
  // Relations first (async); the unquoted code is scanned for names, then replaced.
  const needed = new Set<string>();
  mapUnquoted(sql, (code) => {
    for (const m of code.matchAll(RELATIONS)) needed.add(m[1]!);
    return code;
  });
  const subqueries = new Map<string, string>();
  for (const name of needed) {
    const sub = await relation(name, ctx);
    if (sub) subqueries.set(name, sub);
  }
  return mapUnquoted(sql, (code) =>
    code
      .replace(RELATIONS, (whole, name: string) => subqueries.get(name) ?? whole)
      .replace(/OPERATOR\s*\(\s*pg_catalog\s*\.\s*([^)\s]+)\s*\)/gi, " $1 ")
      .replace(/COLLATE\s+pg_catalog\s*\.\s*(default|"default")/gi, "")
      .replace(/\b(?:pg_catalog\.)?version\s*\(\s*\)/gi, literal(ctx.version))
      .replace(/\b(?:pg_catalog\.)?current_database\s*\(\s*\)/gi, literal(ctx.database))
      .replace(/\b(?:pg_catalog\.)?pg_backend_pid\s*\(\s*\)/gi, String(ctx.pid))
      .replace(/\b(?:pg_catalog\.)?pg_get_userbyid\s*\(\s*[\w.]+\s*\)/gi, literal(ctx.user))
      .replace(/\b(?:pg_catalog\.)?pg_encoding_to_char\s*\(\s*[\w.]+\s*\)/gi, "'UTF8'")
      .replace(/\b(current_user|session_user)\b(?!\s*\()/gi, literal(ctx.user))
      .replace(/\bpg_catalog\s*\.\s*(?=\w+\s*\()/gi, ""),
  ).replace(
    // current_setting('name'[, missing_ok]): its argument is a literal, so this pass
    // runs over the whole text, matching the call with its quoted name.
    /\b(?:pg_catalog\.)?current_setting\s*\(\s*'([^']+)'\s*(?:,\s*(?:true|false)\s*)?\)/gi,
    (whole, name: string) => {
      const value = ctx.setting(name);
      return value === undefined ? whole : literal(value);
    },
  );
}
