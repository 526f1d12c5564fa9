import { stripLeading } from "./sql-split.js";

/**
 * The CommandComplete tag of a statement, from its leading keywords. Presentation only:
 * drivers read the row count from it (`INSERT 0 3`, `UPDATE 2`, `SELECT 5`) and psql prints
 * it. Which statements may run is decided by the service, which sees every statement.
 */
export interface CommandKind {
  /** The tag without a count: "SELECT", "INSERT", "CREATE TABLE", "BEGIN". */
  tag: string;
  /** Whether the tag carries a row count (and INSERT's leading 0). */
  counted: boolean;
}

const COUNTED = new Set(["SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "COPY", "FETCH", "MOVE"]);
// Statements DuckDB answers with rows that Postgres tags SELECT.
const READS = new Set([
  "SELECT",
  "WITH",
  "VALUES",
  "TABLE",
  "FROM",
  "SHOW",
  "DESCRIBE",
  "EXPLAIN",
  "SUMMARIZE",
  "PRAGMA",
  "CALL",
]);
// Statements whose tag names their object: CREATE TABLE, DROP VIEW, ALTER TABLE ...
const WITH_OBJECT = new Set(["CREATE", "DROP", "ALTER", "COMMENT"]);
const OBJECT_WORDS =
  /^(OR\s+REPLACE\s+|TEMP\s+|TEMPORARY\s+|UNIQUE\s+|IF\s+(NOT\s+)?EXISTS\s+)*(TABLE|VIEW|SCHEMA|SEQUENCE|INDEX|MACRO|FUNCTION|TYPE)\b/i;

export function commandKind(sql: string): CommandKind {
  const text = stripLeading(sql);
  const first = /^[A-Za-z]+/.exec(text)?.[0]?.toUpperCase() ?? "";
  if (READS.has(first)) return { tag: "SELECT", counted: true };
  if (COUNTED.has(first)) return { tag: first, counted: true };
  if (first === "START") return { tag: "BEGIN", counted: false };
  if (first === "END") return { tag: "COMMIT", counted: false };
  if (first === "ABORT") return { tag: "ROLLBACK", counted: false };
  if (WITH_OBJECT.has(first)) {
    const object = OBJECT_WORDS.exec(text.slice(first.length).trimStart())?.[3]?.toUpperCase();
    const name = object === "MACRO" ? "FUNCTION" : object;
    return { tag: name ? `${first} ${name}` : first, counted: false };
  }
  return { tag: first || "SELECT", counted: false };
}

/** The tag as sent: `INSERT 0 n` (the 0 is the OID Postgres no longer assigns). */
export function commandTag(kind: CommandKind, rows: number): string {
  if (!kind.counted) return kind.tag;
  return kind.tag === "INSERT" ? `INSERT 0 ${rows}` : `${kind.tag} ${rows}`;
}
