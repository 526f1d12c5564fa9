/**
 * Conditional requests (RFC 9110 section 13): the preconditions of a request on a file,
 * evaluated in the order section 13.2.2 prescribes. Entity tags are strong (the storage
 * service's content hash), so both comparison functions agree on them.
 */

/** What a precondition needs to know of a file; undefined when there is none. */
export interface Representation {
  etag: string;
  lastModified: Date;
}

/** The quoted strong entity tag of a stored file. */
export function entityTag(etag: string): string {
  return `"${etag.replace(/"/g, "")}"`;
}

/** The tags of an If-Match / If-None-Match header; "*" for any. */
function tagsOf(header: string): Array<{ tag: string; weak: boolean }> | "*" {
  if (header.trim() === "*") return "*";
  return header
    .split(",")
    .map((text) => text.trim())
    .filter((text) => text !== "")
    .map((text) => ({ tag: text.replace(/^W\//, ""), weak: text.startsWith("W/") }));
}

/** If-Match compares strongly (a weak tag never matches), If-None-Match weakly (RFC 9110 8.8.3.2). */
function matches(header: string, current: Representation | undefined, weak: boolean): boolean {
  if (!current) return false;
  const tags = tagsOf(header);
  if (tags === "*") return true;
  const tag = entityTag(current.etag);
  return tags.some((t) => t.tag === tag && (weak || !t.weak));
}

/** HTTP dates have whole seconds; a file stored at 10:00:00.5 was "not modified since 10:00:00". */
function seconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

function httpDate(header: string | undefined): number | undefined {
  if (!header) return undefined;
  const ms = Date.parse(header);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

type Headers = Record<string, string | string[] | undefined>;

function one(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

/**
 * The status the preconditions call for, or undefined to go on: 412 when If-Match or
 * If-Unmodified-Since fails, and when If-None-Match matches on a write; 304 when
 * If-None-Match matches (or, without it, If-Modified-Since holds) on a read.
 */
export function evaluatePreconditions(
  method: string,
  headers: Headers,
  current: Representation | undefined,
): 304 | 412 | undefined {
  const read = method === "GET" || method === "HEAD";
  const ifMatch = one(headers, "if-match");
  if (ifMatch !== undefined) {
    if (!matches(ifMatch, current, false)) return 412;
  } else {
    const since = httpDate(one(headers, "if-unmodified-since"));
    if (since !== undefined && current && seconds(current.lastModified) > since) return 412;
  }
  const ifNoneMatch = one(headers, "if-none-match");
  if (ifNoneMatch !== undefined) {
    if (matches(ifNoneMatch, current, true)) return read ? 304 : 412;
  } else if (read) {
    const since = httpDate(one(headers, "if-modified-since"));
    if (since !== undefined && current && seconds(current.lastModified) <= since) return 304;
  }
  return undefined;
}

/** Whether If-Range (absent, or naming the current file) lets a Range apply. */
export function rangeApplies(headers: Headers, current: Representation): boolean {
  const ifRange = one(headers, "if-range");
  if (ifRange === undefined) return true;
  if (ifRange.startsWith('"')) return ifRange === entityTag(current.etag);
  const date = httpDate(ifRange);
  return date !== undefined && seconds(current.lastModified) <= date;
}

/** Whether any precondition header was sent (then the file is looked up first). */
export function hasPreconditions(headers: Headers): boolean {
  return (
    headers["if-match"] !== undefined ||
    headers["if-none-match"] !== undefined ||
    headers["if-modified-since"] !== undefined ||
    headers["if-unmodified-since"] !== undefined
  );
}
