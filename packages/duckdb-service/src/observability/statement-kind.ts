/** Statement types the query histogram tells apart; anything else is "other". */
const KINDS = new Set([
  "select",
  "with",
  "values",
  "insert",
  "update",
  "delete",
  "create",
  "drop",
  "alter",
  "copy",
  "explain",
  "describe",
  "show",
  "summarize",
  "pragma",
  "begin",
  "commit",
  "rollback",
]);

/**
 * The statement type of `sql` for a metric label: its first keyword, lower-cased, after
 * leading comments, whitespace and parentheses, from a fixed set (so a label never carries
 * user text); "other" otherwise, "empty" for none. A prepared statement id
 * (`stmt_<uuid>`) is "prepared".
 */
export function statementKind(sql: string): string {
  let rest = sql;
  for (;;) {
    const trimmed = rest.replace(/^[\s(;]+/, "");
    if (trimmed.startsWith("--")) {
      const end = trimmed.indexOf("\n");
      rest = end < 0 ? "" : trimmed.slice(end + 1);
    } else if (trimmed.startsWith("/*")) {
      const end = trimmed.indexOf("*/");
      rest = end < 0 ? "" : trimmed.slice(end + 2);
    } else {
      rest = trimmed;
      break;
    }
  }
  if (rest === "") return "empty";
  if (/^stmt_[0-9a-f-]{36}$/i.test(rest.trim())) return "prepared";
  const word = /^[A-Za-z]+/.exec(rest)?.[0].toLowerCase() ?? "";
  return KINDS.has(word) ? word : "other";
}
