/**
 * Splits a simple-protocol Query string into its statements at top-level semicolons, so
 * that each gets its own result and command tag as in Postgres. Only quoting is
 * understood ('...', "...", $tag$...$tag$, -- and block comments): what a statement
 * may do is the service's decision, statement by statement, so a split that went wrong
 * could only change how results are grouped, never what is allowed.
 */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      i = sql.indexOf(c, i + 1);
      // A doubled quote inside is two adjacent quoted runs: the loop picks up the second.
      i = i < 0 ? sql.length : i + 1;
    } else if (c === "-" && sql[i + 1] === "-") {
      i = sql.indexOf("\n", i);
      i = i < 0 ? sql.length : i + 1;
    } else if (c === "/" && sql[i + 1] === "*") {
      i = sql.indexOf("*/", i + 2);
      i = i < 0 ? sql.length : i + 2;
    } else if (c === "$") {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i, i + 64))?.[0];
      if (tag && !/[\w$]/.test(sql[i - 1] ?? " ")) {
        const end = sql.indexOf(tag, i + tag.length);
        i = end < 0 ? sql.length : end + tag.length;
      } else {
        i++;
      }
    } else if (c === ";") {
      out.push(sql.slice(start, i));
      start = ++i;
    } else {
      i++;
    }
  }
  out.push(sql.slice(start));
  return out.filter((s) => !isBlank(s));
}

/** Whether `sql` holds nothing but whitespace and comments. */
export function isBlank(sql: string): boolean {
  return stripLeading(sql) === "";
}

/** `sql` without leading whitespace, comments and opening parentheses. */
export function stripLeading(sql: string): string {
  let s = sql;
  for (;;) {
    const next = s.replace(/^(\s+|--[^\n]*(\n|$)|\/\*[\s\S]*?\*\/|\()/, "");
    if (next === s) return s;
    s = next;
  }
}

/**
 * `sql` with `fn` applied to its code outside quotes and comments, so that a rewrite
 * never touches a string literal or quoted identifier.
 */
export function mapUnquoted(sql: string, fn: (code: string) => string): string {
  let out = "";
  let code = "";
  let i = 0;
  const quoted = (end: number) => {
    out += fn(code) + sql.slice(i, end);
    code = "";
    i = end;
  };
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      const end = sql.indexOf(c, i + 1);
      quoted(end < 0 ? sql.length : end + 1);
    } else if (c === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      quoted(end < 0 ? sql.length : end + 1);
    } else if (c === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      quoted(end < 0 ? sql.length : end + 2);
    } else {
      code += c;
      i++;
    }
  }
  return out + fn(code);
}
