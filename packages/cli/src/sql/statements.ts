/**
 * Splits SQL text into complete statements at semicolons outside quotes and comments,
 * and returns the incomplete rest: the shell keeps reading lines until a statement ends.
 */
export function splitStatements(text: string): { complete: string[]; rest: string } {
  const complete: string[] = [];
  let start = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "'" || c === '"') {
      const close = text.indexOf(c, i + 1);
      if (close < 0) break; // an open quote: the statement goes on on the next line
      i = close + 1;
      continue;
    }
    if (c === "-" && text[i + 1] === "-") {
      const nl = text.indexOf("\n", i);
      if (nl < 0) break;
      i = nl + 1;
      continue;
    }
    if (c === "/" && text[i + 1] === "*") {
      const close = text.indexOf("*/", i + 2);
      if (close < 0) break;
      i = close + 2;
      continue;
    }
    if (c === ";") {
      const statement = text.slice(start, i).trim();
      if (statement) complete.push(statement);
      start = i + 1;
    }
    i += 1;
  }
  return { complete, rest: text.slice(start) };
}
