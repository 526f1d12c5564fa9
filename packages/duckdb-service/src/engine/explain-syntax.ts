// DuckDB prepares `EXPLAIN ANALYZE INSERT ...` as an EXPLAIN statement and tells nothing
// of the statement inside, which ANALYZE runs. Its text is the only way in: this reads the
// head (`EXPLAIN`, then `ANALYZE` or an option list) the way DuckDB's scanner does, and
// anything it does not recognise comes back undefined, so the caller refuses rather than
// guesses.

// DuckDB's scanner (PostgreSQL's) knows exactly these as white space.
const SPACE = new Set([" ", "\t", "\n", "\r", "\f", "\v"]);
const WORD = /[A-Za-z_][A-Za-z0-9_$]*/y;
// An option list as DuckDB accepts it: `(ANALYZE)`, `(FORMAT json, ANALYZE)`, `(FORMAT 'json')`.
// Nothing else (no comments, escapes or parentheses inside), so its end is never in doubt.
const OPTIONS = /\((?:[A-Za-z0-9_\s,=.]|'[A-Za-z0-9_\s.]*')*\)/y;

/** What an EXPLAIN statement's text says: whether it runs its statement, and that statement's text. */
export interface ExplainParts {
  /** EXPLAIN ANALYZE (or an option list naming ANALYZE, whatever its value): the statement runs. */
  analyze: boolean;
  /** The text of the explained statement. */
  inner: string;
}

/** The parts of `sql`, one EXPLAIN statement; undefined when its head is not one this reads. */
export function splitExplain(sql: string): ExplainParts | undefined {
  let at = skipTrivia(sql, 0);
  if (!/^explain$/i.test(wordAt(sql, at) ?? "")) return undefined;
  at = skipTrivia(sql, at + "explain".length);
  if (at < 0) return undefined;
  const next = wordAt(sql, at);
  if (next && /^analy[sz]e$/i.test(next)) {
    return { analyze: true, inner: sql.slice(at + next.length) };
  }
  if (sql[at] === "(") {
    OPTIONS.lastIndex = at;
    const options = OPTIONS.exec(sql)?.[0];
    if (!options) return undefined;
    return { analyze: /analy[sz]e/i.test(options), inner: sql.slice(at + options.length) };
  }
  return { analyze: false, inner: sql.slice(at) };
}

function wordAt(sql: string, at: number): string | undefined {
  if (at < 0) return undefined;
  WORD.lastIndex = at;
  return WORD.exec(sql)?.[0];
}

/** The index after white space and comments from `at`; -1 inside an unterminated comment. */
function skipTrivia(sql: string, from: number): number {
  let at = from;
  while (at >= 0 && at < sql.length) {
    if (SPACE.has(sql[at]!)) {
      at++;
    } else if (sql.startsWith("--", at)) {
      while (at < sql.length && sql[at] !== "\n" && sql[at] !== "\r") at++;
    } else if (sql.startsWith("/*", at)) {
      at = skipBlockComment(sql, at);
    } else {
      break;
    }
  }
  return at;
}

// Block comments nest in DuckDB, as in PostgreSQL: `/* a /* b */ c */` is one comment.
function skipBlockComment(sql: string, from: number): number {
  let depth = 0;
  let at = from;
  while (at < sql.length) {
    if (sql.startsWith("/*", at)) {
      depth++;
      at += 2;
    } else if (sql.startsWith("*/", at)) {
      depth--;
      at += 2;
      if (depth === 0) return at;
    } else {
      at++;
    }
  }
  return -1;
}
