/**
 * The token lives in sessionStorage: it survives a reload of the tab, goes away with the
 * tab, is never written to a URL, and is not shared with other tabs.
 */
const KEY = "isa-console-token";

export function savedToken(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function saveToken(token: string | null): void {
  try {
    if (token === null) sessionStorage.removeItem(KEY);
    else sessionStorage.setItem(KEY, token);
  } catch {
    // Storage off (private mode): the token stays in memory only.
  }
}

/** The `sub` of a JWT, read without verifying (the API verifies); null if it is not a JWT. */
export function tokenSubject(token: string): string | null {
  const payload = token.split(".")[1];
  if (!payload) return null;
  try {
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    const sub = (JSON.parse(json) as { sub?: unknown }).sub;
    return typeof sub === "string" && sub ? sub : null;
  } catch {
    return null;
  }
}
