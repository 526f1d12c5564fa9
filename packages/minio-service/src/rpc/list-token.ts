import { invalidArgument } from "../validation.js";

/** Where the next page starts: after `after`, and after every key under it when it is a common prefix. */
export interface ListPosition {
  after: string;
  isPrefix: boolean;
}

/** Opaque to callers: base64url JSON of the last entry of the page. */
export function encodeListToken(position: ListPosition): string {
  return Buffer.from(JSON.stringify({ a: position.after, p: position.isPrefix ? 1 : 0 })).toString(
    "base64url",
  );
}

export function decodeListToken(token: string): ListPosition {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as {
      a?: unknown;
      p?: unknown;
    };
    if (typeof parsed.a === "string" && parsed.a !== "" && (parsed.p === 0 || parsed.p === 1)) {
      return { after: parsed.a, isPrefix: parsed.p === 1 };
    }
  } catch {
    // fall through
  }
  throw invalidArgument(
    "continuation_token is not one this service issued; pass next_continuation_token as given",
  );
}
